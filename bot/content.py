"""Reading the YAML and Markdown in content/, with problems a non-programmer can fix: every
problem names its file and line. Each capability loads its own files with these helpers."""

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content has problems; the bot refuses to start on it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def read_yaml(path: Path, problems: list[Problem], text: str | None = None) -> object:
    """The parsed YAML, or None with a problem added."""
    try:
        return yaml.safe_load(text if text is not None else path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problems.append(Problem(path, line, f"invalid YAML: {getattr(error, 'problem', error)}"))
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(path, 0, f"cannot read file: {error}"))
    return None


def load_yaml_model(path: Path, model: type[M], problems: list[Problem]) -> M | None:
    """Validates a YAML file against a pydantic model; each error becomes a Problem on the
    line of its top-level key."""
    if not path.exists():
        problems.append(Problem(path, 0, f"{path.name} is missing"))
        return None
    data = read_yaml(path, problems)
    if data is None and problems:
        return None
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as error:
        lines = path.read_text(encoding="utf-8").split("\n")
        for detail in error.errors():
            loc = detail["loc"]
            key = str(loc[0]) if loc else ""
            line = next((i for i, text in enumerate(lines, 1) if text.startswith(f"{key}:")), 1)
            where = ".".join(str(part) for part in loc) or "file"
            problems.append(Problem(path, line, f"{where}: {detail['msg']}"))
        return None
