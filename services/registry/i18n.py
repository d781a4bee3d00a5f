"""The registry's messages in the four languages of its pages (``translations/<lang>.json``);
the machinery is ``shared.i18n``'s."""

from __future__ import annotations

from pathlib import Path

from shared.i18n import Catalogs, Translator

CATALOGS = Catalogs(Path(__file__).with_name("translations"))


def translator() -> Translator:
    """The messages in the request's language."""
    return CATALOGS.for_request()
