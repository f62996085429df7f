"""Announcement templates in content/announcements/*.md: front matter (label, variant, title)
and a Slack-formatted body, with {placeholders} filled in from content/covenant.yaml."""

import re
import string
from dataclasses import dataclass
from pathlib import Path

from bot.announcements.models import Variant
from bot.content import ContentError, Problem, read_yaml
from bot.partnership import Covenant, covenant_problems
from bot.texts import format_date

PLACEHOLDERS = ("covenant", "partners", "signed_on", "contact")
TITLE_LIMIT = 150
BODY_LIMIT = 3000
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Template:
    key: str          # the file name without .md: what a menu option carries
    label: str        # what a coordinator picks in the menu
    variant: str
    title: str        # with {placeholders}
    body: str


@dataclass(frozen=True)
class Filled:
    title: str
    body: str
    variant: str


def templates_dir(content_dir: Path) -> Path:
    return content_dir / "announcements"


def load_templates(content_dir: Path, problems: list[Problem] | None = None
                   ) -> tuple[Template, ...]:
    """Every template, sorted by file name; raises ContentError when `problems` is not given
    and a file is invalid."""
    collected: list[Problem] = [] if problems is None else problems
    folder = templates_dir(content_dir)
    found = [template for path in sorted(folder.glob("*.md")) if folder.is_dir()
             if (template := _load(path, collected)) is not None]
    if problems is None and collected:
        raise ContentError(collected)
    return tuple(found)


def template_problems(content_dir: Path, covenant: Covenant | None = None) -> list[Problem]:
    """What `convenantbot content check` reports about the templates."""
    problems: list[Problem] = []
    if covenant is None:
        covenant = covenant_problems(content_dir, [])  # its own problems are reported apart
    for template in load_templates(content_dir, problems):
        if covenant is None:
            continue
        path = templates_dir(content_dir) / f"{template.key}.md"
        filled = fill(template, covenant)
        if len(filled.title) > TITLE_LIMIT:
            problems.append(Problem(path, 2, f"title is longer than {TITLE_LIMIT} characters "
                                             "once filled in"))
        if len(filled.body) > BODY_LIMIT:
            problems.append(Problem(path, 1, f"text is longer than {BODY_LIMIT} characters "
                                             "once filled in"))
    return problems


def placeholder_values(covenant: Covenant, language: str = "nl") -> dict[str, str]:
    partners = list(covenant.partners)
    joined = (", ".join(partners[:-1]) + (" en " if language == "nl" else " and ") + partners[-1]
              if len(partners) > 1 else "".join(partners))
    contact = covenant.contact
    contact_text = " · ".join(part for part in (contact.name, contact.email, contact.phone)
                              if part)
    return {
        "covenant": covenant.name,
        "partners": joined,
        "signed_on": format_date(covenant.signed_on, language) if covenant.signed_on else "",
        "contact": contact_text,
    }


def fill(template: Template, covenant: Covenant, language: str = "nl") -> Filled:
    values = placeholder_values(covenant, language)
    return Filled(title=template.title.format_map(values),
                  body=template.body.format_map(values), variant=template.variant)


def _load(path: Path, problems: list[Problem]) -> Template | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(path, 0, f"cannot read file: {error}"))
        return None
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if lines[0].strip() != "---" or end is None:
        problems.append(Problem(path, 1, "file must start with front matter between '---' "
                                         "lines (label, variant, title)"))
        return None
    before = len(problems)
    meta = read_yaml(path, problems, "\n".join(lines[1:end]))
    if len(problems) > before or not isinstance(meta, dict):
        if len(problems) == before:
            problems.append(Problem(path, 2, "front matter must be 'key: value' lines"))
        return None
    body = "\n".join(lines[end + 1:]).strip()
    ok = True
    if not _KEY.match(path.stem):
        problems.append(Problem(path, 0, "file name must be lowercase letters, digits and '-'"))
        ok = False
    for key in ("label", "variant", "title"):
        if not str(meta.get(key) or "").strip():
            problems.append(Problem(path, 1, f"front matter lacks '{key}'"))
            ok = False
    if meta.get("variant") and meta["variant"] not in tuple(Variant):
        problems.append(Problem(path, _line_of(lines, "variant:"),
                                "variant must be 'internal' or 'external'"))
        ok = False
    if not body:
        problems.append(Problem(path, end + 2, "the template has no text below the front matter"))
        ok = False
    for number, line in enumerate(lines, 1):
        for name in _placeholders(line, path, number, problems):
            if name not in PLACEHOLDERS:
                problems.append(Problem(path, number, f"unknown placeholder {{{name}}}; use "
                                        + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)))
                ok = False
    if not ok:
        return None
    return Template(key=path.stem, label=str(meta["label"]).strip(), variant=meta["variant"],
                    title=str(meta["title"]).strip(), body=body)


def _placeholders(line: str, path: Path, number: int, problems: list[Problem]) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(line) if name is not None]
    except ValueError:
        problems.append(Problem(path, number, "a '{' or '}' without its partner; write '{{' or "
                                              "'}}' for a literal brace"))
        return []


def _line_of(lines: list[str], prefix: str) -> int:
    return next((i for i, line in enumerate(lines, 1) if line.startswith(prefix)), 1)
