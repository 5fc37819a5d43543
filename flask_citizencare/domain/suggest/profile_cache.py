"""The profiles of texts seen lately, kept so that open reports are not analysed again at every suggestion.

Looking for duplicates compares a report being written with the open reports
near its point, up to a few hundred, and the same ones come back at each
keystroke of the citizens' form and each case opened in the workspace.
Analysing their words (stems, character n-grams, the category model) is most
of a suggestion's time; a profile depends only on the text and the model, so
it is kept, keyed by the text itself: an edited report is a new key, and the
cache belongs to one model (a retrained model starts a new one).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from .model import Profiles, SuggestionModel

#: Texts kept (least recently used go first): some 8 KB each, a few hundred per neighbourhood.
DEFAULT_SIZE = 2048


class ProfileCache:
    """:meth:`SuggestionModel.profiles` with the profiles of the last ``size`` texts kept; thread-safe."""

    def __init__(self, model: SuggestionModel, size: int = DEFAULT_SIZE) -> None:
        self.model = model
        self.size = size
        self._kept: OrderedDict[str, Profiles] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def profiles(self, texts: Sequence[str]) -> Profiles:
        """The profiles of ``texts``, in order: those not kept are computed in one pass and kept."""
        if not texts:
            return Profiles.stack([], 0, 0)
        with self._lock:
            found = {text: self._kept[text] for text in texts if text in self._kept}
            for text in found:
                self._kept.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            computed = self.model.profiles(missing)
            for i, text in enumerate(missing):
                found[text] = computed.rows(slice(i, i + 1))
            with self._lock:
                for text in missing:
                    self._kept[text] = found[text]
                    self._kept.move_to_end(text)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        first = found[texts[0]]
        return Profiles.stack([found[text] for text in texts], first.lexical.shape[1], first.topic.shape[1])
