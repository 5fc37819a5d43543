"""How well the model suggests: top-k accuracy per label and overall, a confusion table, latency.

Plain Python over ``(truth, ranked)`` pairs, so the same code measures a
held-out split of the history, a labelled file and any method.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class Accuracy:
    """Top-1 and top-3 hits per true label and overall, and what the first guess was for each label."""

    total: int = 0
    top1: int = 0
    top3: int = 0
    per_label: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, truth: str, ranked: Sequence[str]) -> None:
        self.total += 1
        first = ranked[0] if ranked else ""
        hit1 = first == truth
        hit3 = truth in ranked[:3]
        self.top1 += hit1
        self.top3 += hit3
        row = self.per_label[truth]
        row[0] += 1
        row[1] += hit1
        row[2] += hit3
        self.confusion[truth][first] += 1

    @property
    def top1_share(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_share(self) -> float:
        return self.top3 / self.total if self.total else 0.0


def measure(pairs: Iterable[tuple[str, Sequence[str]]]) -> Accuracy:
    accuracy = Accuracy()
    for truth, ranked in pairs:
        accuracy.add(truth, ranked)
    return accuracy


def percent(share: float) -> str:
    """``87.5 %`` (one decimal, a space before the sign, as Italian style wants)."""
    return f"{share * 100:.1f} %"


def accuracy_lines(title: str, accuracy: Accuracy) -> list[str]:
    """``title``, overall ``top-1: 87.5 %``, ``top-3: 96.0 %``, then one line per label."""
    lines = [
        f"{title} ({accuracy.total} cases)",
        f"  top-1: {percent(accuracy.top1_share)}",
        f"  top-3: {percent(accuracy.top3_share)}",
    ]
    width = max((len(label) for label in accuracy.per_label), default=0)
    for label in sorted(accuracy.per_label):
        count, hit1, hit3 = accuracy.per_label[label]
        first, three = percent(hit1 / count), percent(hit3 / count)
        lines.append(f"  {label:<{width}}  {count:>6}  top-1: {first:>7}  top-3: {three:>7}")
    return lines


def confusion_lines(accuracy: Accuracy, *, limit: int = 3) -> list[str]:
    """For each true label, the first guesses that were wrong, most frequent first."""
    lines = ["Confusion (true label -> first suggestion: cases)"]
    for label in sorted(accuracy.confusion):
        wrong = [(guess, n) for guess, n in accuracy.confusion[label].most_common() if guess != label]
        if wrong:
            shown = ", ".join(f"{guess or '-'}: {n}" for guess, n in wrong[:limit])
            lines.append(f"  {label} -> {shown}")
    if len(lines) == 1:
        lines.append("  (no wrong first suggestions)")
    return lines


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) by the nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[rank]


def latency_line(seconds: Sequence[float]) -> str:
    return (
        f"Latency per suggestion: p50 {quantile(seconds, 0.5) * 1000:.1f} ms, "
        f"p95 {quantile(seconds, 0.95) * 1000:.1f} ms ({len(seconds)} suggestions)"
    )
