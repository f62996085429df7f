"""Every text catalog speaks every language: nl and en have the same keys."""

import importlib
import pkgutil

import pytest

import bot
from bot.texts import LANGUAGES, Catalog


def _texts_modules() -> list[str]:
    """bot.texts and every capability's bot/<capability>/texts.py, wherever it is."""
    return [module.name for module in pkgutil.walk_packages(bot.__path__, "bot.")
            if module.name.rsplit(".", 1)[-1] == "texts"]


def test_every_capability_texts_module_is_found():
    assert "bot.texts" in _texts_modules()
    assert "bot.questions.texts" in _texts_modules()


@pytest.mark.parametrize("module_name", _texts_modules())
def test_every_catalog_has_the_same_keys_in_every_language(module_name):
    module = importlib.import_module(module_name)
    catalogs = [value for value in vars(module).values() if isinstance(value, Catalog)]
    assert catalogs, f"{module_name} defines no Catalog"
    for catalog in catalogs:
        keys = {language: set(catalog.tables.get(language, {})) for language in LANGUAGES}
        for language in LANGUAGES:
            missing = keys["nl"] - keys[language]
            extra = keys[language] - keys["nl"]
            assert not missing and not extra, (
                f"{module_name}: {language} lacks {sorted(missing)}, has extra {sorted(extra)}")
