"""Worker loops (``outbox send --loop``, ``mail ingest --imap --loop``): a pass, a pause, until stopped."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

#: Seconds between looks at the stop flag during a pause.
TICK = 0.2
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

#: What :func:`signal.signal` takes and gives back.
Handler = Callable[[int, FrameType | None], Any] | int | None


class WorkerLoop:
    """Runs a pass every ``interval`` seconds until SIGTERM or SIGINT; a pass under way is finished first.

    Used as a context manager: the signal handlers are installed on entry, so
    a start message printed inside the block means the worker can already be
    stopped cleanly, and the previous handlers are restored on exit. A
    KeyboardInterrupt inside the block ends the loop like a signal does.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        #: Set by a stop signal; a pass may look at it to stop early between its items.
        self.stopping = False
        self._previous: dict[int, Handler] = {}

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def __enter__(self) -> WorkerLoop:
        self._previous = {sig: signal.signal(sig, self._stop) for sig in STOP_SIGNALS}
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        return exc_type is not None and issubclass(exc_type, KeyboardInterrupt)

    def run(self, one_pass: Callable[[], bool]) -> None:
        """Call ``one_pass`` until stopped, pausing ``interval`` seconds after each pass.

        A pass returns True when more work is due at once (it did as much as it
        may in one go): the next pass then starts without a pause.
        """
        while not self.stopping:
            if one_pass():
                continue
            self._pause()

    def _pause(self) -> None:
        wake = time.monotonic() + self.interval
        while not self.stopping and time.monotonic() < wake:
            time.sleep(min(TICK, max(wake - time.monotonic(), 0)))
