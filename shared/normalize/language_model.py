"""py3langid's model as memory-mapped arrays: file pages that processes share, not a
private copy in each.

py3langid ships its model LZMA-compressed and decompresses it into every process that
detects a language: 76 MB of private memory (arrays and Python ints). Here the first load
unpacks the same arrays once into uncompressed ``.npy`` files in a cache directory (named
after the model file's SHA-256), and every load maps them read-only. The pages detections
read are clean page-cache pages: shared by every process mapping them (intake's workers,
the CLI), and dropped by the kernel under pressure instead of swapped. Real reports read
most of the tables, so one process's resident size falls less than its private memory
(``bench/memory.py`` measures both). Detection is unchanged: the same arrays, the same
types. Where nothing can be written (a read-only image: the Dockerfile unpacks the model
at build time), py3langid loads its model whole, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from array import array
from pathlib import Path

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model

LOG = logging.getLogger(__name__)
_SOURCE = MODEL_DIR / MODEL_FILE
# py3langid's names: the Naive Bayes tables and the byte DFA that finds features.
_ARRAYS = ("nb_ptc", "nb_pc", "tk_nextmove", "tk_row", "tk_output")


def cache_dir() -> Path:
    """Where the unpacked model lives: ``ACCORD_MODEL_CACHE``, else the user's cache."""
    root = os.environ.get("ACCORD_MODEL_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "accord"
    )
    digest = hashlib.sha256(_SOURCE.read_bytes()).hexdigest()[:16]
    return Path(root) / f"py3langid-{digest}"


def _unpack(target: Path) -> None:
    """Write the model's arrays to ``target``, all at once: another process that unpacks
    at the same moment loses the rename and uses the winner's copy."""
    nb_ptc, nb_pc, classes, nextmove, row, output = load_model(_SOURCE)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=target.parent))
    try:
        arrays = {
            "nb_ptc": nb_ptc,
            "nb_pc": nb_pc,
            "tk_nextmove": np.frombuffer(nextmove, dtype=_dtype(nextmove)),
            "tk_row": np.frombuffer(row, dtype=_dtype(row)),
            "tk_output": np.asarray(output, dtype=np.int32),
        }
        for name, array in arrays.items():
            np.save(staging / f"{name}.npy", array, allow_pickle=False)
        (staging / "classes.json").write_text(json.dumps(classes))
        staging.chmod(0o755)  # mkdtemp's 0700 would hide it from the services' own user
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():
                raise  # not a lost race: a real failure
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _dtype(typed: array) -> np.dtype:
    return np.dtype(typed.typecode)  # the stdlib array py3langid walks the DFA with


def identifier(**options) -> LanguageIdentifier:
    """py3langid's identifier over the memory-mapped model (``options`` as py3langid's)."""
    path = cache_dir()
    if not (path / "classes.json").exists():
        try:
            _unpack(path)
        except OSError as exc:
            LOG.warning("language model loaded whole: cannot unpack it to %s (%s)", path, exc)
            return LanguageIdentifier.from_model_file(MODEL_FILE, **options)
    arrays = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
    return LanguageIdentifier(
        arrays["nb_ptc"],
        np.array(arrays["nb_pc"]),  # 142 floats: read on every detection
        json.loads((path / "classes.json").read_text()),
        # The DFA is walked byte by byte in Python: a memoryview indexes as fast as the
        # stdlib array py3langid builds, without copying the file into the process.
        memoryview(arrays["tk_nextmove"]),
        memoryview(arrays["tk_output"]),
        tk_row=memoryview(arrays["tk_row"]),
        **options,
    )
