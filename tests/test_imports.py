"""The dependency rule of the tree: the domain (bot/) knows nothing of the platforms
(handlers/); only the composition root (bot/app.py) and the CLI (bot/cli.py) wire them."""

import ast
from pathlib import Path

from tests.conftest import REPO

COMPOSITION = {"bot/app.py", "bot/cli.py"}


def _imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_bot_modules_import_nothing_from_handlers():
    offenders = {}
    for path in sorted((REPO / "bot").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if name in COMPOSITION:
            continue
        platform = sorted(m for m in _imported_modules(path)
                          if m == "handlers" or m.startswith("handlers."))
        if platform:
            offenders[name] = platform
    assert offenders == {}


def test_the_rule_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from handlers.slack import blocks\n")
    assert _imported_modules(module) == {"handlers.slack"}
