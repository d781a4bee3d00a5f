"""Bulk intake tests: small hand-written rows inline; the real datasets from ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest


def _repo_root() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError(f"No pyproject.toml above {__file__}.")


@pytest.fixture(scope="session")
def datasets() -> Path:
    """``../shared/datasets`` beside the checkout (AIID, AIAAIC: CC BY-SA 4.0; AVID: MIT).
    The data stays there, outside the project; development machines and CI have it."""
    folder = (_repo_root().parent / "shared" / "datasets").resolve()
    if not folder.is_dir():
        pytest.fail(f"The public datasets are missing: expected them in {folder}.")
    return folder
