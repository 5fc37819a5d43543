"""What the harnesses share: instrumentation only when fuzzing, and the atheris entry point.

atheris is imported here and only when a harness runs as ``__main__``, so the
test suite (which calls the harnesses' ``check`` directly) never needs it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any


def instrumented_imports(module_name: str, include: list[str]) -> contextlib.AbstractContextManager[Any]:
    """``atheris.instrument_imports`` around a harness's imports when it is being fuzzed, else nothing.

    Only modules first imported inside the block get coverage feedback, so the
    harness imports its targets (and calls any lazy plugin loading, like
    ``PIL.Image.init``) inside it.
    """
    if module_name != "__main__":
        return contextlib.nullcontext()
    import atheris

    return atheris.instrument_imports(include=include)  # type: ignore[no-any-return]


def fuzz(check: Callable[[bytes], None]) -> None:
    """Run ``check`` under libFuzzer with this process's command line (corpus dirs, -flags)."""
    import atheris

    atheris.Setup(sys.argv, check)
    atheris.Fuzz()
