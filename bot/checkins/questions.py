"""The check-in form from content/checkins/questions.yaml, validated with file:line problems."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from bot.content import ContentError, Problem, load_yaml_model

CONDITIONS = ("A", "B", "C", "D", "E")


class Option(BaseModel):
    id: str
    nl: str
    en: str


class Question(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z_]{1,30}$")
    group: Literal["goal", "condition", "level", "open"]
    kind: Literal["scale", "choice", "open"]
    nl: str = Field(min_length=1, max_length=150)  # Slack labels hold 2000; keep them readable
    en: str = Field(min_length=1, max_length=150)
    short_nl: str = ""
    short_en: str = ""
    remark: bool = False
    options: list[Option] = []
    advice_question: str = ""

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.nl

    def short(self, language: str) -> str:
        short = self.short_en if language == "en" else self.short_nl
        return short or self.label(language)

    @model_validator(mode="after")
    def _choices_have_options(self) -> "Question":
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError("a choice question needs at least two options")
        if self.group in ("goal", "condition", "level") and self.kind != "scale":
            raise ValueError(f"a {self.group} question is a scale (1-5)")
        return self


class Form(BaseModel):
    scale: dict[Literal["nl", "en"], list[str]]
    questions: list[Question]

    @model_validator(mode="after")
    def _complete(self) -> "Form":
        for language, labels in self.scale.items():
            if len(labels) != 5:
                raise ValueError(f"scale.{language} needs five labels (1-5)")
        ids = [question.id for question in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique")
        conditions = [q.id for q in self.questions if q.group == "condition"]
        if tuple(conditions) != CONDITIONS:
            raise ValueError("the conditions must be A, B, C, D and E, in that order")
        if not any(q.group == "level" for q in self.questions):
            raise ValueError("at least one reflection level is needed")
        return self

    def of_group(self, group: str) -> list[Question]:
        return [question for question in self.questions if question.group == group]

    @property
    def scales(self) -> list[Question]:
        return [question for question in self.questions if question.kind == "scale"]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def scale_labels(self, language: str) -> list[str]:
        return self.scale.get("en" if language == "en" else "nl") or self.scale["nl"]


def form_path(content_dir: Path) -> Path:
    return Path(content_dir) / "checkins" / "questions.yaml"


def check_checkin_content(content_dir: Path) -> list[Problem]:
    """Problems in the check-in form (`convenantbot content check`)."""
    problems: list[Problem] = []
    load_yaml_model(form_path(content_dir), Form, problems)
    return problems


@lru_cache(maxsize=8)
def load_form(content_dir: Path) -> Form:
    problems: list[Problem] = []
    form = load_yaml_model(form_path(content_dir), Form, problems)
    if form is None:
        raise ContentError(problems)
    return form
