"""Time the service-level clock: business-time add/elapsed over short and long spans.

Usage::

    .venv/bin/python bench/sla_clock.py [--repeat N] [--seed S]

    --repeat  timed calls of each operation (default 2000)
    --seed    seed of the random start instants (default 1)

Starts are random minutes in 2024-2030 (Europe/Rome calendar, Italian holidays).
The first call for a year builds that year's table of opening intervals (timed
separately as "cold year"); the rest are lookups in the cached tables. Prints
p50 and p95 in microseconds.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask_citizencare.domain.sla import BusinessCalendar, SlaPolicy, due_times

BASE = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 7 * 365 * 24 * 60


def measure(call: Callable[[datetime], object], starts: list[datetime]) -> tuple[float, float]:
    times = []
    for start in starts:
        began = time.perf_counter()
        call(start)
        times.append((time.perf_counter() - began) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    starts = [BASE + timedelta(minutes=rng.randrange(SPAN_MINUTES)) for _ in range(args.repeat)]

    calendar = BusinessCalendar()
    cold = []
    for year in range(2020, 2040):
        began = time.perf_counter()
        calendar.is_holiday(datetime(year, 6, 1).date())  # builds the year's table
        cold.append((time.perf_counter() - began) * 1e3)
    print(f"python {platform.python_version()}, {args.repeat} calls each")
    print(f"cold year (table of one year, holidays included): median {statistics.median(cold):.2f} ms")

    hour = timedelta(hours=1)
    policy = SlaPolicy()
    operations: dict[str, Callable[[datetime], object]] = {
        "add 30 min": lambda s: calendar.add(s, 0.5 * hour),
        "add 8 business hours": lambda s: calendar.add(s, 8 * hour),
        "add 40 business days": lambda s: calendar.add(s, 320 * hour),
        "add 1 business year (2000 h)": lambda s: calendar.add(s, 2000 * hour),
        "elapsed 1 day": lambda s: calendar.elapsed(s, s + timedelta(days=1)),
        "elapsed 1 year": lambda s: calendar.elapsed(s, s + timedelta(days=365)),
        "elapsed 5 years": lambda s: calendar.elapsed(s, s + timedelta(days=5 * 365)),
        "clock_start": calendar.clock_start,
        "due_times (web, level 1)": lambda s: due_times(
            policy, calendar, channel="web", level=1, received_at=s
        ),
        "due_times with 2 suspensions": lambda s: due_times(
            policy,
            calendar,
            channel="web",
            level=1,
            received_at=s,
            suspensions=[(s + hour, s + 5 * hour), (s + 30 * hour, s + 50 * hour)],
        ),
    }
    width = max(map(len, operations))
    print(f"{'operation':<{width}}  {'p50 µs':>8}  {'p95 µs':>8}")
    for name, call in operations.items():
        p50, p95 = measure(call, starts)
        print(f"{name:<{width}}  {p50:>8.1f}  {p95:>8.1f}")


if __name__ == "__main__":
    main()
