"""Migration 0003 from the previous revision and back; the templates in content/."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from bot.announcements.templates import fill, load_templates, template_problems
from bot.database import _alembic_config, create_engine
from bot.partnership import load_covenant
from tests.conftest import CONTENT


async def test_migration_0003_upgrades_from_0002_and_back(database_url):
    engine = create_engine(database_url)

    def tables(connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0002"))
            assert "announcement" not in await connection.run_sync(tables)
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0003"))
            assert {"announcement", "announcement_read"} <= await connection.run_sync(tables)
            await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0002"))
            assert "announcement" not in await connection.run_sync(tables)
    finally:
        await engine.dispose()


def test_shipped_templates_fill_in_every_placeholder_from_covenant_yaml():
    covenant = load_covenant(CONTENT)
    assert covenant.signed_on is not None and covenant.contact.email
    templates = load_templates(CONTENT)
    assert {t.variant for t in templates} == {"internal", "external"}
    assert template_problems(CONTENT) == []
    for template in templates:
        filled = fill(template, covenant)
        assert "{" not in filled.title + filled.body
        assert covenant.name in filled.title + filled.body


def _content_with(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "announcements").mkdir()
    (tmp_path / "covenant.yaml").write_text((CONTENT / "covenant.yaml").read_text("utf-8"),
                                            "utf-8")
    (tmp_path / "announcements" / name).write_text(text, "utf-8")
    return tmp_path


def test_content_check_names_file_and_line_of_a_bad_template(tmp_path):
    content = _content_with(tmp_path, "nieuws.md", "---\nlabel: Nieuws\nvariant: intranet\n"
                            "title: Hallo {covenant}\n---\nBeste {collega},\n")
    problems = [str(p) for p in template_problems(content)]
    assert any("nieuws.md:3: variant must be" in p for p in problems)
    assert any("nieuws.md:6: unknown placeholder {collega}" in p for p in problems)


def test_content_check_finds_a_filled_in_title_beyond_slack_limits(tmp_path):
    content = _content_with(tmp_path, "lang.md", "---\nlabel: Lang\nvariant: internal\n"
                            f"title: {'x' * 140} {{covenant}}\n---\nTekst\n")
    assert any("longer than 150" in str(p) for p in template_problems(content))


def test_convenantbot_content_check_reports_a_bad_template(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "announcements" / "kapot.md").write_text(
        "---\nlabel: Kapot\nvariant: internal\ntitle: Hallo\n---\nBeste {collega}\n", "utf-8")
    env = {**os.environ, "CONTENT_DIR": str(content), "SLACK_BOT_TOKEN": ""}
    result = subprocess.run([sys.executable, "-m", "bot", "content", "check"], text=True,
                            capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    assert "kapot.md:6: unknown placeholder {collega}" in result.stdout
