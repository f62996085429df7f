"""Loads and validates content/: guidance Markdown, the glossary and covenant.yaml.

Every problem names its file and line, so a non-programmer can fix it.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter

from bot.content import ContentError, Problem, read_yaml
from bot.partnership import Covenant, covenant_problems

MAX_PASSAGE_CHARS = 1200
REQUIRED_FRONT_MATTER = ("title", "source", "language")
LANGUAGES = ("nl", "en")

_LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+(.*)$")
_EXAMPLE_QUESTION = re.compile(r"^\s*\?\s+(.+)$")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


@dataclass(frozen=True)
class Passage:
    text: str
    line: int
    is_list_item: bool = False
    introduces_list: bool = False
    examples: tuple[str, ...] = ()  # questions this passage answers ("? ..." lines)


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    line: int
    passages: tuple[Passage, ...]
    document_title: str
    document_source: str
    examples: tuple[str, ...] = ()  # questions the whole section answers


@dataclass(frozen=True)
class Document:
    id: str
    path: Path
    title: str
    source: str
    language: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Glossary:
    synonyms: tuple[tuple[str, ...], ...] = ()
    english: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: tuple[str, ...] = ()
    # Topics the guidance does not deal with (law, money, HR, IT): a question about one is
    # answered only by a passage that names the topic itself.
    not_covered: tuple[str, ...] = ()
    # Who asks (gemeente, waterschap, beleidsmedewerker): a question's setting, not its
    # subject, so a section that does not mention them may still answer it.
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class Library:
    documents: tuple[Document, ...]
    glossary: Glossary
    covenant: Covenant

    @property
    def sections(self) -> tuple[Section, ...]:
        return tuple(section for document in self.documents for section in document.sections)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


def load_library(content_dir: Path) -> Library:
    """Reads all content, or raises ContentError listing every problem found."""
    problems: list[Problem] = []
    guidance_dir = content_dir / "guidance"
    paths = sorted(guidance_dir.glob("*.md")) if guidance_dir.is_dir() else []
    if not paths:
        problems.append(Problem(guidance_dir, 0, "no guidance files (*.md) found"))
    documents = tuple(doc for doc in (_load_document(p, problems) for p in paths) if doc)
    glossary = _load_glossary(content_dir / "glossary.yaml", problems)
    covenant = covenant_problems(content_dir, problems)
    if problems or covenant is None:
        raise ContentError(problems)
    return Library(documents=documents, glossary=glossary, covenant=covenant)


def check_content(content_dir: Path) -> list[Problem]:
    try:
        load_library(content_dir)
    except ContentError as error:
        return error.problems
    return []


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _split_front_matter(path: Path, text: str, problems: list[Problem]) -> tuple[dict, int]:
    """Returns the front matter and the number of the first body line."""
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        problems.append(Problem(path, 1, "file must start with front matter between '---' lines"))
        return {}, 1
    try:
        matter, body = handler.split(text)
    except ValueError:
        problems.append(Problem(path, 1, "front matter is not closed with a '---' line"))
        return {}, 1
    # The body starts after the closing '---' line (the split leaves that line's end on it).
    start = len(text) - len(body) + (1 if body.startswith("\n") else 0)
    first_line = text[:start].count("\n") + 1
    # The matter starts right after the opening '---', so its line numbers are the file's.
    before = len(problems)
    meta = read_yaml(path, problems, matter)
    if len(problems) > before:
        return {}, first_line
    if not isinstance(meta, dict):
        problems.append(Problem(path, 2, "front matter must be 'key: value' lines"))
        return {}, first_line
    for key in REQUIRED_FRONT_MATTER:
        if not str(meta.get(key) or "").strip():
            problems.append(Problem(path, 1, f"front matter lacks '{key}'"))
    if meta.get("language") and meta["language"] not in LANGUAGES:
        problems.append(Problem(path, 1, f"language must be one of {', '.join(LANGUAGES)}"))
    return meta, first_line


def _load_document(path: Path, problems: list[Problem]) -> Document | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(path, 0, f"cannot read file: {error}"))
        return None
    before = len(problems)
    meta, first_line = _split_front_matter(path, text, problems)
    body = text.split("\n")[first_line - 1:]
    title, source = str(meta.get("title", "")).strip(), str(meta.get("source", "")).strip()
    sections = _parse_sections(path, body, first_line, title, source, problems)
    if len(problems) > before:
        return None
    return Document(path.stem, path, title, source, str(meta["language"]), tuple(sections))


def _parse_sections(path, lines, first_line, title, source, problems) -> list[Section]:
    sections: list[Section] = []
    heading: tuple[str, int] | None = None
    blocks: list[tuple[list[str], int, bool]] = []  # (lines, first line, is list item)
    examples: dict[int, list[str]] = {}  # block index (-1: the section) -> questions

    def close_section() -> None:
        if heading is None:
            return
        passages = _passages(path, blocks, examples, problems)
        if not passages:
            problems.append(Problem(path, heading[1], f"section '{heading[0]}' has no text"))
        section_id = f"{path.stem}#{slugify(heading[0])}"
        if any(s.id == section_id for s in sections):
            problems.append(Problem(path, heading[1], f"heading '{heading[0]}' appears twice"))
        sections.append(Section(section_id, heading[0], heading[1], passages, title, source,
                                tuple(examples.get(-1, ()))))

    is_open = False  # whether the next text line continues the last block
    for number, raw in enumerate(lines, start=first_line):
        line = raw.rstrip()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            heading_text = line[level:].strip()
            if level != 2 or not heading_text:
                # Reported, then read as a heading anyway, so one slip gives one problem.
                problems.append(Problem(path, number, "use '## Heading' for section headings"))
            close_section()
            heading, blocks, examples, is_open = (heading_text or "?", number), [], {}, False
        elif not line.strip():
            is_open = False
        elif heading is None:
            problems.append(Problem(path, number, "text before the first '## ' heading"))
            return sections
        elif question := _EXAMPLE_QUESTION.match(line):
            # An example question belongs to the text right above it, or to the section.
            examples.setdefault(len(blocks) - 1, []).append(question.group(1).strip())
            is_open = False
        elif item := _LIST_ITEM.match(line):
            blocks.append(([item.group(1)], number, True))
            is_open = True
        elif is_open and (not blocks[-1][2] or raw[:1].isspace()):
            blocks[-1][0].append(line.strip())
        else:
            blocks.append(([line.strip()], number, False))
            is_open = True
    close_section()
    if heading is None and not problems:
        problems.append(Problem(path, first_line, "no '## ' section headings"))
    return sections


def _passages(path, blocks, examples, problems) -> tuple[Passage, ...]:
    passages: list[Passage] = []
    for index, (lines, line, is_item) in enumerate(blocks):
        text = _plain(" ".join(lines))
        if len(text) > MAX_PASSAGE_CHARS:
            problems.append(Problem(
                path, line,
                f"passage of {len(text)} characters is too long to quote in a chat "
                f"(at most {MAX_PASSAGE_CHARS}); split it into paragraphs",
            ))
        next_is_item = index + 1 < len(blocks) and blocks[index + 1][2]
        introduces = not is_item and next_is_item and text.endswith(":")
        passages.append(Passage(text, line, is_item, introduces, tuple(examples.get(index, ()))))
    return tuple(passages)


def _plain(text: str) -> str:
    def link(match: re.Match) -> str:
        label, target = match.group(1), match.group(2).strip()
        return label if target in ("", "#") else f"{label} ({target})"

    text = _MARKDOWN_LINK.sub(link, text)
    return re.sub(r"\s+", " ", _EMPHASIS.sub(r"\2", text)).strip()


def _load_glossary(path: Path, problems: list[Problem]) -> Glossary:
    if not path.exists():
        return Glossary()
    data = read_yaml(path, problems)
    if data is None:
        return Glossary()
    if not isinstance(data, dict):
        problems.append(Problem(path, 1, "glossary must have 'synonyms' and/or 'english' keys"))
        return Glossary()
    lines = path.read_text(encoding="utf-8").split("\n")
    synonyms, english = [], {}
    for group in data.get("synonyms") or []:
        words = [str(w).strip().lower() for w in group] if isinstance(group, list) else []
        if len([w for w in words if w]) < 2:
            problems.append(Problem(path, _line_of(lines, group), "a synonym group needs 2+ words"))
            continue
        synonyms.append(tuple(w for w in words if w))
    for term, targets in (data.get("english") or {}).items():
        targets = [targets] if isinstance(targets, str) else targets
        if not isinstance(targets, list) or not all(str(t).strip() for t in targets) or not targets:
            problems.append(Problem(path, _line_of(lines, term), f"'{term}' needs Dutch words"))
            continue
        english[str(term).strip().lower()] = tuple(str(t).strip().lower() for t in targets)
    stopwords = tuple(str(w).strip().lower() for w in data.get("stopwords") or [])
    not_covered = tuple(str(w).strip().lower() for w in data.get("not_covered") or [])
    context = tuple(str(w).strip().lower() for w in data.get("context") or [])
    return Glossary(tuple(synonyms), english, stopwords, not_covered, context)


def _line_of(lines: list[str], needle: object) -> int:
    first = needle[0] if isinstance(needle, list) and needle else needle
    return next((i for i, line in enumerate(lines, 1) if str(first) in line), 1)
