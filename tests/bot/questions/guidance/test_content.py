"""Validation of content/: every problem names its file and line, and the bot refuses to
start on broken content."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.questions.guidance.content import check_content, load_library
from tests.conftest import CONTENT, REPO

GOOD_DOCUMENT = """---
title: "Test"
source: "Testbron"
language: nl
---

## Eerste onderwerp
Een alinea over het eerste onderwerp.

Zo deel je het:

- via het intranet
- via de nieuwsbrief
"""


@pytest.fixture
def content_dir(tmp_path) -> Path:
    target = tmp_path / "content"
    (target / "guidance").mkdir(parents=True)
    (target / "guidance" / "01-test.md").write_text(GOOD_DOCUMENT, encoding="utf-8")
    shutil.copy(CONTENT / "covenant.yaml", target / "covenant.yaml")
    return target


def test_shipped_content_is_valid():
    assert check_content(CONTENT) == []
    library = load_library(CONTENT)
    # Every guidance file is a document, however many there are.
    assert len(library.documents) == len(list((CONTENT / "guidance").glob("*.md")))
    assert all(section.passages for section in library.sections)


def test_passages_keep_paragraphs_and_list_items_apart(content_dir):
    [section] = load_library(content_dir).sections
    texts = [p.text for p in section.passages]
    assert texts == ["Een alinea over het eerste onderwerp.", "Zo deel je het:",
                     "via het intranet", "via de nieuwsbrief"]
    assert section.passages[1].introduces_list
    assert section.passages[2].is_list_item


@pytest.mark.parametrize(("broken", "line", "message"), [
    (GOOD_DOCUMENT.replace('title: "Test"\n', ""), 1, "lacks 'title'"),
    (GOOD_DOCUMENT.replace("## Eerste onderwerp", "# Eerste onderwerp"), 7,
     "use '## Heading'"),
    (GOOD_DOCUMENT.replace("---\n\n## Eerste", "---\nLosse tekst\n## Eerste"), 6,
     "text before the first"),
    (GOOD_DOCUMENT.replace("language: nl", "language: fr"), 1, "language must be"),
    (GOOD_DOCUMENT.replace("source: \"Testbron\"", "source: [unclosed"), 4, "invalid YAML"),
    (GOOD_DOCUMENT + "\n## Leeg\n", 15, "has no text"),
    (GOOD_DOCUMENT.replace("Een alinea", "Een alinea " + "heel lang " * 150), 8, "too long"),
])
def test_broken_document_is_reported_with_path_and_line(content_dir, broken, line, message):
    path = content_dir / "guidance" / "01-test.md"
    path.write_text(broken, encoding="utf-8")
    problems = check_content(content_dir)
    assert [(p.path, p.line) for p in problems] == [(path, line)], problems
    assert message in problems[0].message


def test_broken_glossary_and_covenant_are_reported(content_dir):
    (content_dir / "glossary.yaml").write_text("synonyms:\n  - [alleen]\n", encoding="utf-8")
    (content_dir / "covenant.yaml").write_text("name: X\ntimezone: Mars/Olympus\n",
                                               encoding="utf-8")
    problems = {(p.path.name, p.line): p.message for p in check_content(content_dir)}
    assert "2+ words" in problems[("glossary.yaml", 2)]
    assert "unknown time zone" in problems[("covenant.yaml", 2)]


def _run(*args: str, content_dir: Path, tmp_path: Path, stdin: str = ""
         ) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTENT_DIR": str(content_dir),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SLACK_BOT_TOKEN": ""}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, env=env, cwd=REPO, timeout=60)


def test_content_check_command_reports_problems_and_fails(content_dir, tmp_path):
    path = content_dir / "guidance" / "01-test.md"
    path.write_text(GOOD_DOCUMENT.replace("## Eerste", "### Eerste"), encoding="utf-8")
    result = _run("content", "check", content_dir=content_dir, tmp_path=tmp_path)
    assert result.returncode == 1
    assert f"{path}:7: use '## Heading'" in result.stdout


def test_content_check_command_passes_on_shipped_content(tmp_path):
    result = _run("content", "check", content_dir=CONTENT, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content OK" in result.stdout


def test_bot_refuses_to_start_on_invalid_content(content_dir, tmp_path):
    path = content_dir / "guidance" / "01-test.md"
    path.write_text(GOOD_DOCUMENT.replace('title: "Test"\n', ""), encoding="utf-8")
    result = _run(content_dir=content_dir, tmp_path=tmp_path, stdin="hallo\n")
    assert result.returncode == 2
    assert f"{path}:1: front matter lacks 'title'" in result.stderr


def test_every_section_names_its_own_document(content_dir):
    path = content_dir / "guidance" / "01-test.md"
    path.write_text(GOOD_DOCUMENT + "\n## Tweede onderwerp\nNog een alinea.\n", encoding="utf-8")
    sections = load_library(content_dir).sections
    assert [(s.document_title, s.heading) for s in sections] == [
        ("Test", "Eerste onderwerp"), ("Test", "Tweede onderwerp")]
    assert {s.document_source for s in sections} == {"Testbron"}
