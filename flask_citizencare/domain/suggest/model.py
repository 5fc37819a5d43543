"""The suggestion model: the category and office a report's words point to, the past cases they recall.

The classical representation is two hashed TF-IDF spaces: word unigrams and
bigrams of the stems (:func:`.text.words`) and character 3–5-grams within words
of the folded text (:func:`.text.letters`), each row L2-normalised, side by
side. Hashing (not a learned vocabulary) keeps memory bounded at a million
cases and makes the stored model small: only the IDF weights and the linear
models' coefficients, whatever the vocabulary.

On top of it, two linear models trained by stochastic gradient descent with a
logistic loss (probabilities, fast on 10^6 rows, deterministic given the seed):
one for the category, one for the office where the case was resolved, reading
the same features plus the case's category. The office model learns from where
cases ended up, not from the routing rules that sent them first.

The most recent cases' word vectors are kept as a small index, so a suggestion
can say why ("like 2025-004512, 2025-003310") and reply hints can reuse the
answers given to the nearest finished cases.

An optional :class:`.embeddings.SentenceEmbeddings` representation can be put
side by side with the TF-IDF one (``method="combined"``) or used alone
(``method="embeddings"``); the figures in ``docs/performance.md`` say which
measures better on Italian.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

from .text import letters, words

#: The model's stored form; a different one is refused and the model retrained.
FORMAT = 1
METHODS = ("classical", "embeddings", "combined")
WORD_FEATURES = 2**17
CHAR_FEATURES = 2**18
#: How many of the most recent cases the "like ..." index keeps.
NEIGHBOUR_CASES = 20_000
#: The words' share in the similarity of two texts; the rest is their topic (see ``similarities``).
LEXICAL_SHARE = 0.5
#: How strongly the case's category counts in the office model, against the unit-length text.
CATEGORY_WEIGHT = 0.7


@dataclass(frozen=True)
class Case:
    """A finished case the model learns from: its words, category, the office that resolved it."""

    text: str
    category: str
    office: str | None = None
    #: The case's id and public number, for "like 2025-004512" and the knowledge-base answers.
    report_id: int | None = None
    public_id: str | None = None


@dataclass(frozen=True)
class Neighbour:
    report_id: int | None
    public_id: str | None
    category: str
    office: str | None
    similarity: float


def _words(text: str) -> list[str]:
    """Stems and pairs of consecutive stems ("lampion spent")."""
    stems = words(text)
    return stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]


def _letters(text: str) -> str:
    return letters(text)


class _Tfidf:
    """Hashed word and character TF-IDF, each L2-normalised; picklable (module-level analysers)."""

    def __init__(self) -> None:
        self.word = HashingVectorizer(
            analyzer=_words,
            n_features=WORD_FEATURES,
            alternate_sign=False,
            norm=None,
        )
        self.char = HashingVectorizer(
            preprocessor=_letters,
            analyzer="char_wb",
            ngram_range=(3, 5),
            n_features=CHAR_FEATURES,
            alternate_sign=False,
            norm=None,
            lowercase=False,
        )
        self.word_idf = TfidfTransformer(sublinear_tf=True)
        self.char_idf = TfidfTransformer(sublinear_tf=True)

    def fit(self, texts: Sequence[str]) -> None:
        self.word_idf.fit(self.word.transform(texts))
        self.char_idf.fit(self.char.transform(texts))

    def word_vectors(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.word_idf.transform(self.word.transform(texts)).astype(np.float32)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Rows of unit length: the word and the character parts weigh the same."""
        word = self.word_vectors(texts)
        char = self.char_idf.transform(self.char.transform(texts)).astype(np.float32)
        return normalize(sp.hstack([word, char], format="csr"))


class Linear:
    """A trained linear classifier kept as one contiguous float32 matrix (fast and small to store).

    Probabilities as scikit-learn's one-vs-rest logistic models give them:
    each class's sigmoid, normalised over the classes.
    """

    def __init__(self, x: Any, labels: Sequence[str], seed: int) -> None:
        model = SGDClassifier(loss="log_loss", alpha=2e-6, max_iter=12, tol=None, random_state=seed)
        model.fit(x, np.asarray(labels))
        self.classes = tuple(str(c) for c in model.classes_)
        coef = model.coef_
        intercept = model.intercept_
        if len(self.classes) == 2:  # one row for the second class: the first is its opposite
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        self.weights = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.intercept = intercept.astype(np.float32)

    def probabilities(self, x: Any) -> np.ndarray:
        decision = np.asarray(x @ self.weights) + self.intercept
        p = 1.0 / (1.0 + np.exp(-np.clip(decision, -30, 30)))
        shares: np.ndarray = p / p.sum(axis=1, keepdims=True)
        return shares


@dataclass(frozen=True)
class Profiles:
    """Texts as similarity reads them: unit-length representation rows, the root of their category
    probabilities."""

    lexical: sp.csr_matrix
    topic: np.ndarray

    def rows(self, which: slice | Sequence[int]) -> Profiles:
        return Profiles(self.lexical[which], self.topic[which])

    @classmethod
    def stack(cls, parts: Sequence[Profiles], width: int, topics: int) -> Profiles:
        """One-row profiles put together again, in order (the fast way: one concatenation of arrays)."""
        if not parts:
            return cls(sp.csr_matrix((0, width), dtype=np.float32), np.zeros((0, topics), dtype=np.float32))
        rows = [p.lexical for p in parts]
        lengths = np.fromiter((r.nnz for r in rows), dtype=np.int64, count=len(rows))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        lexical = sp.csr_matrix(
            (np.concatenate([r.data for r in rows]), np.concatenate([r.indices for r in rows]), indptr),
            shape=(len(rows), width),
        )
        return cls(lexical, np.vstack([p.topic for p in parts]))


@dataclass
class SuggestionModel:
    """What :func:`train` builds and the database stores (pickled): representations, classifiers, index."""

    method: str = "classical"
    seed: int = 0
    format: int = FORMAT
    categories: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    cases: int = 0
    tfidf: _Tfidf | None = None
    embeddings: Any = None
    category_model: Linear | None = None
    office_model: Linear | None = None
    #: The neighbour index: the newest cases' word vectors and who they are.
    index: sp.csr_matrix | None = None
    index_report_ids: np.ndarray | None = None
    index_public_ids: tuple[str, ...] = ()
    index_categories: np.ndarray | None = None
    index_offices: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # -- features --------------------------------------------------------------------------
    def features(self, texts: Sequence[str]) -> Any:
        """The representation the classifiers read: unit-length rows."""
        parts = []
        if self.method in ("classical", "combined"):
            assert self.tfidf is not None
            parts.append(self.tfidf.transform(texts))
        if self.method in ("embeddings", "combined"):
            dense = np.asarray(self.embeddings.transform(texts), dtype=np.float32)
            parts.append(sp.csr_matrix(dense))
        if len(parts) == 1:
            return parts[0]
        return normalize(sp.hstack(parts, format="csr"))

    def _with_category(self, features: Any, categories: Sequence[str | None]) -> Any:
        rows, cols = [], []
        position = {code: i for i, code in enumerate(self.categories)}
        for row, code in enumerate(categories):
            if code in position:
                rows.append(row)
                cols.append(position[code])
        onehot = sp.csr_matrix(
            (np.full(len(rows), CATEGORY_WEIGHT, dtype=np.float32), (rows, cols)),
            shape=(features.shape[0], len(self.categories)),
        )
        return sp.hstack([features, onehot], format="csr")

    # -- ranking ---------------------------------------------------------------------------
    def rank_categories(
        self, texts: Sequence[str], k: int = 3, *, features: Any = None
    ) -> list[list[tuple[str, float]]]:
        """For each text, the ``k`` likeliest category codes with their probability, best first."""
        assert self.category_model is not None
        x = self.features(texts) if features is None else features
        return _top(self.category_model, x, k)

    def rank_offices(
        self,
        texts: Sequence[str],
        categories: Sequence[str | None],
        k: int = 3,
        *,
        features: Any = None,
    ) -> list[list[tuple[str, float]]]:
        """For each text and its category, the ``k`` likeliest offices to resolve it."""
        if self.office_model is None:
            return [[] for _ in texts]
        x = self.features(texts) if features is None else features
        return _top(self.office_model, self._with_category(x, categories), k)

    def profiles(self, texts: Sequence[str]) -> Profiles:
        """``texts`` as :meth:`compare` reads them (a row each)."""
        return self.profiles_of(self.features(texts))

    def profiles_of(self, features: Any) -> Profiles:
        """The profiles of texts whose :meth:`features` are already computed."""
        assert self.category_model is not None
        return Profiles(features, np.sqrt(self.category_model.probabilities(features)).astype(np.float32))

    def compare(self, one: Profiles, others: Profiles) -> list[float]:
        """How alike the text of ``one`` and each of ``others`` are (0–1): half their words, half their topic.

        The words: cosine of the representations. The topic: the squared Bhattacharyya
        coefficient of the category probabilities the model gives them, which
        is what it learned from the history: "lampione spento" and "la luce
        pubblica non funziona" share no word but both point to street lighting.
        """
        if others.lexical.shape[0] == 0:
            return []
        lexical = np.asarray((others.lexical @ one.lexical[0].T).todense()).ravel()
        topical = (others.topic @ one.topic[0]) ** 2  # squared: a vague text is not "the same topic"
        values = LEXICAL_SHARE * lexical + (1 - LEXICAL_SHARE) * topical
        return [float(min(1.0, max(0.0, v))) for v in values]

    def similarities(self, text: str, others: Sequence[str]) -> list[float]:
        """:meth:`compare` of ``text`` with each of ``others``."""
        if not others:
            return []
        both = self.profiles([text, *others])
        return self.compare(both.rows(slice(0, 1)), both.rows(slice(1, None)))

    def index_scores(self, text: str) -> np.ndarray:
        """How close the words of ``text`` are to each indexed case's: :meth:`neighbours` reads them."""
        if self.index is None or self.tfidf is None:
            return np.zeros(0, dtype=np.float32)
        query = self.tfidf.word_vectors([text])
        scores: np.ndarray = (self.index @ query.T).toarray().ravel()
        return scores

    def neighbours(
        self,
        text: str,
        k: int = 3,
        *,
        category: str | None = None,
        office: str | None = None,
        scores: np.ndarray | None = None,
    ) -> list[Neighbour]:
        """The ``k`` indexed past cases whose words are closest to ``text`` (of ``category``/``office``).

        ``scores``: :meth:`index_scores` of ``text``, when several lists are drawn for the same text.
        """
        if self.index is None or self.tfidf is None or self.index.shape[0] == 0:
            return []
        if scores is None:
            scores = self.index_scores(text)
        assert self.index_categories is not None and self.index_offices is not None
        if category is not None:
            wanted = self.categories.index(category) if category in self.categories else -2
            scores = np.where(self.index_categories == wanted, scores, -1.0)
        if office is not None:
            wanted = self.offices.index(office) if office in self.offices else -2
            scores = np.where(self.index_offices == wanted, scores, -1.0)
        k = min(k, scores.shape[0])
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        found = []
        assert self.index_report_ids is not None
        for i in best:
            if scores[i] <= 0:
                break
            cat = int(self.index_categories[i])
            off = int(self.index_offices[i])
            rid = int(self.index_report_ids[i])
            found.append(
                Neighbour(
                    report_id=rid if rid >= 0 else None,
                    public_id=self.index_public_ids[i] or None,
                    category=self.categories[cat],
                    office=self.offices[off] if off >= 0 else None,
                    similarity=float(scores[i]),
                )
            )
        return found


def _top(model: Linear, x: Any, k: int) -> list[list[tuple[str, float]]]:
    probabilities = model.probabilities(x)
    labels = model.classes
    k = min(k, probabilities.shape[1])
    ranked = []
    for row in probabilities:
        best = np.argsort(-row, kind="stable")[:k]
        ranked.append([(str(labels[i]), float(row[i])) for i in best])
    return ranked


def catalogue_fingerprint(categories: Sequence[str], offices: Sequence[str]) -> str:
    """The catalogue version a model was trained for: its category and office codes."""
    text = "\n".join(["categories", *sorted(categories), "offices", *sorted(offices)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def train(
    cases: Sequence[Case],
    *,
    method: str = "classical",
    seed: int = 0,
    embeddings: Any = None,
    neighbour_cases: int = NEIGHBOUR_CASES,
) -> SuggestionModel:
    """A model learned from ``cases`` (oldest first: the newest fill the neighbour index).

    Deterministic given ``seed`` and the cases. ``embeddings`` is the sentence
    embedding representation, for the ``embeddings`` and ``combined`` methods.
    Needs cases of at least two categories.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
    if method != "classical" and embeddings is None:
        raise ValueError(f"the {method} method needs the sentence embeddings")
    categories = tuple(sorted({c.category for c in cases}))
    if len(categories) < 2:
        raise ValueError("the model needs finished cases of at least two categories")
    offices = tuple(sorted({c.office for c in cases if c.office}))
    texts = [c.text for c in cases]
    model = SuggestionModel(
        method=method, seed=seed, categories=categories, offices=offices, cases=len(cases)
    )
    if method in ("classical", "combined"):
        model.tfidf = _Tfidf()
        model.tfidf.fit(texts)
    if method != "classical":
        model.embeddings = embeddings
        embeddings.fit(texts)
    x = model.features(texts)

    model.category_model = Linear(x, [c.category for c in cases], seed)

    with_office = [i for i, c in enumerate(cases) if c.office]
    if len(offices) >= 2:
        rows = x[with_office]
        own = [cases[i].category for i in with_office]
        model.office_model = Linear(
            model._with_category(rows, own), [cases[i].office or "" for i in with_office], seed
        )
    elif len(offices) == 1:
        model.extra["only_office"] = offices[0]

    if model.tfidf is not None and neighbour_cases > 0:
        newest = list(range(max(0, len(cases) - neighbour_cases), len(cases)))
        chosen = [cases[i] for i in newest]
        model.index = model.tfidf.word_vectors([c.text for c in chosen])
        model.index_report_ids = np.array(
            [c.report_id if c.report_id is not None else -1 for c in chosen], dtype=np.int64
        )
        model.index_public_ids = tuple(c.public_id or "" for c in chosen)
        cat_pos = {code: i for i, code in enumerate(categories)}
        off_pos = {code: i for i, code in enumerate(offices)}
        model.index_categories = np.array([cat_pos[c.category] for c in chosen], dtype=np.int16)
        model.index_offices = np.array([off_pos.get(c.office or "", -1) for c in chosen], dtype=np.int16)
    return model
