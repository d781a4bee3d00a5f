"""The exported model scores as scikit-learn does, and reads nothing but arrays."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from shared.normalize.suggest.features import analyze
from shared.normalize.suggest.model import Model
from shared.normalize.suggest.train import CLASSIFIER, VECTORIZER, name

TEXTS = [
    "A cloned voice was used to scam a bank",
    "The self-driving car failed to stop and hit a cyclist",
    "Women were rejected by a biased hiring model; fraud too",
]


def test_the_analyzer_reads_lower_cased_words_and_adjacent_pairs():
    assert analyze("Facial Recognition, in a x shop") == [
        "facial",
        "recognition",
        "in",
        "shop",
        "facial recognition",
        "recognition in",
        "in shop",
    ]


@pytest.mark.parametrize("level", ["domain", "subdomain"])
def test_the_exported_model_gives_scikit_learns_probabilities(model_file, examples, level):
    vectorizer = TfidfVectorizer(**VECTORIZER)
    features = vectorizer.fit_transform([e.text for e in examples])
    classifier = LogisticRegression(**CLASSIFIER).fit(
        features, [getattr(e, level) for e in examples]
    )
    expected = classifier.predict_proba(vectorizer.transform(TEXTS))

    model = Model.load(model_file)

    for text, probabilities in zip(TEXTS, expected, strict=True):
        ranked = dict(model.rank(text)[level])
        got = [ranked[label] for label in classifier.classes_]
        assert got == pytest.approx(probabilities.tolist(), rel=1e-9)


def test_the_classes_come_most_probable_first_and_sum_to_one(model_file):
    ranked = Model.load(model_file).rank("A voice deepfake fraud scam")

    for level in ("domain", "subdomain"):
        probabilities = [p for _, p in ranked[level]]
        assert probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) == pytest.approx(1)
    assert ranked["domain"][0][0] == "4"


def test_a_text_without_a_known_word_has_no_ranking(model_file):
    assert Model.load(model_file).rank("Zzyzx qwv") is None


def test_the_model_is_named_by_its_training_data(examples):
    assert name(examples) == name(list(examples))
    assert name(examples) != name(examples[1:])
    assert name(examples).startswith("aiid-mit-tfidf-logreg-")


# Run in a fresh interpreter: intake's imports, warmed up, then a text scored.
_INTAKE = """
import sys
from pathlib import Path
import services.intake.__main__
from shared import normalize
from shared.normalize import suggest
suggest.MODEL_FILE = Path(sys.argv[1])
normalize.warm_up()
assert suggest.suggest("A cloned voice was used to scam a bank", "en") is not None
print("numpy" in sys.modules)
"""


def test_intake_scores_without_numpy(model_file):
    # numpy alone would be the largest import of every intake process.
    result = subprocess.run(
        [sys.executable, "-c", _INTAKE, str(model_file)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
