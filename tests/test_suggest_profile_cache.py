"""The cache of text profiles the duplicate finder reads: same answers as without it, bounded, per model."""

from __future__ import annotations

import numpy as np
import pytest

from flask_citizencare.domain.suggest.model import Case, Profiles, SuggestionModel, train
from flask_citizencare.domain.suggest.profile_cache import ProfileCache

LIGHT = ["lampione spento in via Roma", "la luce pubblica non funziona", "lampada rotta sul viale"]
HOLES = ["buca profonda sulla strada", "asfalto rotto davanti alla scuola", "voragine in carreggiata"]
WASTE = ["cassonetto pieno da giorni", "rifiuti abbandonati nel parco", "sacchi della spazzatura in strada"]


@pytest.fixture(scope="module")
def model() -> SuggestionModel:
    cases = [
        Case(text, category, office)
        for texts, category, office in (
            (LIGHT, "light", "works"),
            (HOLES, "roads", "roads"),
            (WASTE, "waste", "env"),
        )
        for text in texts * 4
    ]
    return train(cases, seed=3)


class Counting:
    """The model, counting the texts it is asked to analyse."""

    def __init__(self, model: SuggestionModel) -> None:
        self.model = model
        self.analysed: list[str] = []

    def profiles(self, texts: list[str]) -> Profiles:
        self.analysed.extend(texts)
        return self.model.profiles(texts)


def test_cached_profiles_give_the_same_similarities_as_the_model(model: SuggestionModel) -> None:
    cache = ProfileCache(model)
    others = [*HOLES, *LIGHT, "un testo mai visto prima"]
    direct = model.similarities("il lampione è spento", others)
    for _round in range(2):  # the second round reads every profile from the cache
        cached = model.compare(cache.profiles(["il lampione è spento"]), cache.profiles(others))
        assert cached == pytest.approx(direct, abs=1e-6)
    assert max(range(len(others)), key=lambda i: direct[i]) >= len(HOLES)  # a light is most like a light


def test_a_text_is_analysed_once_and_an_edited_text_again(model: SuggestionModel) -> None:
    counting = Counting(model)
    cache = ProfileCache(counting)  # type: ignore[arg-type]
    first = cache.profiles([HOLES[0], HOLES[1], HOLES[0]])
    assert counting.analysed == [HOLES[0], HOLES[1]]  # the repeated text once
    assert first.lexical.shape[0] == 3 and first.topic.shape[0] == 3
    assert (first.lexical[0] != first.lexical[2]).nnz == 0
    cache.profiles([HOLES[1], HOLES[0]])
    assert counting.analysed == [HOLES[0], HOLES[1]]  # nothing new
    cache.profiles([HOLES[1] + " (aggiornato)"])
    assert counting.analysed[-1] == HOLES[1] + " (aggiornato)"


def test_the_least_recently_used_texts_go_first_beyond_the_size(model: SuggestionModel) -> None:
    counting = Counting(model)
    cache = ProfileCache(counting, size=3)  # type: ignore[arg-type]
    cache.profiles(LIGHT)
    cache.profiles([LIGHT[0]])  # used again: LIGHT[1] is now the oldest
    cache.profiles([HOLES[0]])
    assert len(cache) == 3
    counting.analysed.clear()
    cache.profiles([LIGHT[0], LIGHT[2], HOLES[0]])
    assert counting.analysed == []
    cache.profiles([LIGHT[1]])
    assert counting.analysed == [LIGHT[1]]


def test_stacked_rows_are_the_rows_analysed_together(model: SuggestionModel) -> None:
    together = model.profiles(WASTE)
    stacked = Profiles.stack(
        [model.profiles([text]) for text in WASTE], together.lexical.shape[1], together.topic.shape[1]
    )
    assert np.allclose(stacked.lexical.toarray(), together.lexical.toarray(), atol=1e-6)
    assert np.allclose(stacked.topic, together.topic, atol=1e-6)
    assert ProfileCache(model).profiles([]).lexical.shape[0] == 0
    assert model.compare(model.profiles(["buca"]), Profiles.stack([], 0, 0)) == []
