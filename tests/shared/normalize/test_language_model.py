"""py3langid's model memory-mapped from an unpacked copy: the same detections, to the
last digit of the confidence, as py3langid's own loader, with the tables read from files."""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from registry_datasets import DATASETS_DIR

from shared.normalize import language_model
from shared.normalize.language import MIN_CONFIDENCE

SAMPLE = 150  # rows of each dataset
OTHER_LANGUAGES = (
    "Les poids du modèle ont été copiés vers un serveur non autorisé",
    "Los pesos del modelo se copiaron a un servidor no autorizado",
    "Die Modellgewichte wurden auf einen fremden Server kopiert",
    "模型权重在评估期间被复制到未经批准的服务器上",
    "Веса модели были скопированы на неутверждённый сервер",  # noqa: RUF001 (Russian)
    "モデルの重みが未承認のサーバーにコピーされた",
    "x",
    "",
    "!!!",
)


def _texts() -> list[str]:
    texts = list(OTHER_LANGUAGES)
    for name in ("aiid", "aiaaic"):
        with (DATASETS_DIR / name / "incidents.csv").open(newline="") as rows:
            for row in itertools.islice(csv.DictReader(rows), SAMPLE):
                texts.append(" ".join(str(v) for v in row.values() if v)[:2000])
    return texts


@pytest.fixture(scope="module")
def packaged() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(
        MODEL_FILE, norm_probs=True, min_confidence=MIN_CONFIDENCE
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One cache for the module: unpacking takes a second or two."""
    path = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ACCORD_MODEL_CACHE", str(path))
        yield path


def test_the_mapped_model_detects_exactly_what_the_packaged_one_does(packaged, cache):
    mapped = language_model.identifier(norm_probs=True, min_confidence=MIN_CONFIDENCE)
    texts = _texts()
    assert [mapped.classify(t) for t in texts] == [packaged.classify(t) for t in texts]
    assert {packaged.classify(t)[0] for t in texts} >= {"en", "fr", "es", "de", "zh", "und"}


def test_the_tables_are_read_from_the_unpacked_files_not_copied(cache):
    mapped = language_model.identifier(norm_probs=True)
    assert isinstance(mapped.nb_ptc, np.memmap)
    assert not mapped.tk_nextmove.obj.flags.owndata  # a view of the mapped file


def test_the_model_is_unpacked_once_and_a_lost_race_keeps_the_winners_copy(cache):
    language_model.identifier()  # unpacked by the first test, or now
    (unpacked,) = cache.iterdir()
    written = {f.name: f.stat().st_mtime_ns for f in unpacked.iterdir()}
    language_model.identifier()
    language_model._unpack(unpacked)  # another process finished first
    assert {f.name: f.stat().st_mtime_ns for f in unpacked.iterdir()} == written
    assert [d.name for d in cache.iterdir()] == [unpacked.name]  # no staging left behind


def test_where_nothing_can_be_written_the_packaged_model_is_loaded_whole(
    packaged, tmp_path, monkeypatch
):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("ACCORD_MODEL_CACHE", str(tmp_path / "a-file" / "cache"))
    whole = language_model.identifier(norm_probs=True, min_confidence=MIN_CONFIDENCE)
    assert not isinstance(whole.nb_ptc, np.memmap)
    texts = OTHER_LANGUAGES
    assert [whole.classify(t) for t in texts] == [packaged.classify(t) for t in texts]
