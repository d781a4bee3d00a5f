"""Every service's catalogs, and those of the sign-in pages they all mount, say every
message, in every language, with the same placeholders as English."""

import json
import re
from pathlib import Path

import pytest

from shared.i18n import LANGUAGES

ROOT = Path(__file__).parents[2]
FOLDERS = [*sorted(ROOT.glob("services/*/translations")), ROOT / "shared/directory/translations"]


def test_the_pages_services_and_the_sign_in_pages_have_catalogs():
    assert {"intake", "directory"} <= {folder.parent.name for folder in FOLDERS if folder.is_dir()}


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
