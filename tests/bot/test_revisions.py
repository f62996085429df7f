"""`convenantbot db revision -m ...`: Alembic autogenerate writes the next numbered migration."""

import shutil

from sqlalchemy import Column, Integer, String, Table
from sqlmodel import SQLModel

from bot.database import create_engine, migrate
from bot.revisions import MIGRATIONS, create_revision, next_revision_id


async def _database_at_head(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()
    return url


async def test_a_new_table_becomes_the_next_numbered_revision(tmp_path):
    url = await _database_at_head(tmp_path)
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    expected = next_revision_id(migrations)
    table = Table("walls_test_widget", SQLModel.metadata,
                  Column("id", Integer, primary_key=True), Column("name", String(40)))
    try:
        path = await create_revision(url, "add widgets", script_location=migrations)
    finally:
        SQLModel.metadata.remove(table)
    assert path.parent == migrations / "versions"
    assert path.name == f"{expected}_add_widgets.py"
    written = path.read_text()
    assert f"revision = '{expected}'" in written
    assert "create_table('walls_test_widget'" in written
    assert "create_table('question'" not in written  # only what changed
    assert int(expected) > max(int(p.name[:4]) for p in (MIGRATIONS / "versions").glob("0*.py")
                               ) - 1


def test_the_next_revision_id_is_one_more_than_the_highest():
    numbers = [int(p.name[:4]) for p in (MIGRATIONS / "versions").glob("[0-9]*.py")]
    assert next_revision_id() == f"{max(numbers) + 1:04d}"
