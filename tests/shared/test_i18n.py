"""Every service's catalogs say every message, in every language, with the same
placeholders as English."""

import json
import re
from pathlib import Path

import pytest

from shared.i18n import LANGUAGES

SERVICES = Path(__file__).parents[2] / "services"
FOLDERS = sorted(SERVICES.glob("*/translations"))


def test_the_pages_services_have_catalogs():
    assert "intake" in {folder.parent.name for folder in FOLDERS}


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.parent.name)
def test_every_catalog_says_every_message_with_the_same_placeholders(folder):
    catalogs = {
        path.stem: json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")
    }
    assert sorted(catalogs) == sorted(LANGUAGES)
    english = catalogs["en"]
    for lang, messages in catalogs.items():
        assert messages.keys() == english.keys(), lang
        for key, text in messages.items():
            assert text.strip(), (lang, key)
            placeholders = set(re.findall(r"\{(\w+)\}", text))
            assert placeholders == set(re.findall(r"\{(\w+)\}", english[key])), (lang, key)
