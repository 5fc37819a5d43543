"""Run requests at the same instant from threads of their own (each with its own client)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def at_the_same_instant(*calls: Callable[[], Any], timeout: float = 60) -> list[Any]:
    """Start every call in its own thread behind one barrier; their results, or the exception raised.

    An exception (the test client lets it through) is what a server would have answered 500 to.
    """
    start = threading.Barrier(len(calls), timeout=timeout)
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a request did not finish"
    return results
