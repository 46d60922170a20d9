"""PAN's character-level text-alignment measures: precision, recall, granularity and plagdet.

Definitions follow Potthast et al. (2010), "An Evaluation Framework for Plagiarism Detection", and PAN's official
`pan13-text-alignment-perfmeasures.py`, computed with interval arithmetic instead of per-character sets:

- a case or a detection is a `Span`: characters in a suspicious document and in a source document;
- a detection r detects a case s iff both are of the same document pair and they share at least one character in
  the suspicious document and at least one in the source document;
- recall is the mean over cases s of |s ∩ (union of the detections that detect s)| / |s|, and precision the mean
  over detections r of |r ∩ (union of the cases r detects)| / |r|, counting characters on both sides together;
- granularity is the mean number of detections per detected case (1 when no case is detected);
- plagdet = F1 / log2(1 + granularity), with F1 = 0 when precision + recall = 0.

Edge cases are the official script's: recall and precision are both 1 when there are neither cases nor detections,
and both 0 when there are cases but no detections, or detections but no cases. Identical spans count once, as the
official script reads annotations into sets.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Interval = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Span:
    """Characters [susp_start, susp_end) of `susp_id` paired with [src_start, src_end) of `src_id`."""

    susp_id: str
    susp_start: int
    susp_end: int
    src_id: str
    src_start: int
    src_end: int

    def __post_init__(self) -> None:
        if not (0 <= self.susp_start < self.susp_end and 0 <= self.src_start < self.src_end):
            raise ValueError(f"a span needs at least one character on each side: {self}")

    @property
    def pair(self) -> tuple[str, str]:
        """Return the (suspicious, source) document pair."""
        return (self.susp_id, self.src_id)

    @property
    def chars(self) -> int:
        """Return the number of characters on both sides together."""
        return (self.susp_end - self.susp_start) + (self.src_end - self.src_start)


def detects(r: Span, s: Span) -> bool:
    """Return whether two spans share a character in the suspicious and in the source document of one pair."""
    return (
        r.pair == s.pair
        and r.susp_start < s.susp_end
        and s.susp_start < r.susp_end
        and r.src_start < s.src_end
        and s.src_start < r.src_end
    )


def covered(start: int, end: int, intervals: Iterable[Interval]) -> int:
    """Return how many characters of [start, end) lie in the union of the intervals."""
    clipped = sorted((max(start, lo), min(end, hi)) for lo, hi in intervals if lo < end and start < hi)
    total, reach = 0, start
    for lo, hi in clipped:
        lo = max(lo, reach)
        if hi > lo:
            total += hi - lo
            reach = hi
    return total


def covered_share(span: Span, others: Sequence[Span]) -> float:
    """Return the share of the span's characters, on both sides, that lie in the union of the others."""
    susp = covered(span.susp_start, span.susp_end, ((o.susp_start, o.susp_end) for o in others))
    src = covered(span.src_start, span.src_end, ((o.src_start, o.src_end) for o in others))
    return (susp + src) / span.chars


def by_pair(spans: Iterable[Span]) -> dict[tuple[str, str], list[Span]]:
    """Group spans by their document pair."""
    groups: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for span in spans:
        groups[span.pair].append(span)
    return groups


def macro_coverage(targets: Sequence[Span], others: Sequence[Span]) -> tuple[float, list[int]]:
    """Return the mean covered share of the targets by the others that detect them, and each target's hit count."""
    groups = by_pair(others)
    shares, hits = [], []
    for target in targets:
        hitting = [o for o in groups.get(target.pair, []) if detects(o, target)]
        shares.append(covered_share(target, hitting))
        hits.append(len(hitting))
    return sum(shares) / len(targets), hits


def plagdet(precision: float, recall: float, granularity: float) -> float:
    """Return F1 / log2(1 + granularity), or 0 when precision and recall are both 0."""
    if precision + recall == 0:
        return 0.0
    return (2 * precision * recall / (precision + recall)) / math.log2(1 + granularity)


def measures(cases: Iterable[Span], detections: Iterable[Span]) -> dict[str, float]:
    """Return precision, recall, granularity, plagdet, n_cases and n_detections of the detections."""
    case_list, detection_list = list(dict.fromkeys(cases)), list(dict.fromkeys(detections))
    if not case_list or not detection_list:
        precision = recall = float(not case_list and not detection_list)
        granularity = 1.0
    else:
        recall, hits = macro_coverage(case_list, detection_list)
        precision, _ = macro_coverage(detection_list, case_list)
        detected = [n for n in hits if n > 0]
        granularity = sum(detected) / len(detected) if detected else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "granularity": granularity,
        "plagdet": plagdet(precision, recall, granularity),
        "n_cases": len(case_list),
        "n_detections": len(detection_list),
    }
