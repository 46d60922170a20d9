"""Hand-computed examples of PAN's text-alignment measures (benchmarks.plagdet)."""

from __future__ import annotations

import math

import pytest

from benchmarks.plagdet import Span, covered, measures

CASE = Span("susp", 100, 200, "src", 1000, 1100)


def test_exact_match_scores_one() -> None:
    assert measures([CASE], [CASE]) == {
        "precision": 1.0,
        "recall": 1.0,
        "granularity": 1.0,
        "plagdet": 1.0,
        "n_cases": 1,
        "n_detections": 1,
    }


def test_detection_covering_half_a_case() -> None:
    half = Span("susp", 100, 150, "src", 1000, 1050)
    m = measures([CASE], [half])
    assert (m["recall"], m["precision"], m["granularity"]) == (0.5, 1.0, 1.0)
    assert m["plagdet"] == 2 * 0.5 / 1.5


def test_detection_reaching_past_a_case() -> None:
    wide = Span("susp", 100, 300, "src", 1000, 1200)
    m = measures([CASE], [wide])
    assert (m["recall"], m["precision"]) == (1.0, 0.5)


def test_two_detections_splitting_one_case() -> None:
    first = Span("susp", 100, 150, "src", 1000, 1050)
    second = Span("susp", 150, 200, "src", 1050, 1100)
    m = measures([CASE], [first, second])
    assert (m["recall"], m["precision"], m["granularity"]) == (1.0, 1.0, 2.0)
    assert m["plagdet"] == 1.0 / math.log2(3)


def test_overlapping_detections_count_shared_characters_once() -> None:
    first = Span("susp", 100, 180, "src", 1000, 1080)
    second = Span("susp", 120, 200, "src", 1020, 1100)
    m = measures([CASE], [first, second])
    assert (m["recall"], m["precision"], m["granularity"]) == (1.0, 1.0, 2.0)


def test_detection_in_another_document_pair_detects_nothing() -> None:
    elsewhere = Span("susp", 100, 200, "other-src", 1000, 1100)
    m = measures([CASE], [elsewhere])
    assert (m["recall"], m["precision"], m["granularity"], m["plagdet"]) == (0.0, 0.0, 1.0, 0.0)


def test_overlap_on_the_suspicious_side_only_detects_nothing() -> None:
    wrong_source_place = Span("susp", 100, 200, "src", 2000, 2100)
    m = measures([CASE], [wrong_source_place])
    assert (m["recall"], m["precision"], m["plagdet"]) == (0.0, 0.0, 0.0)


def test_precision_and_recall_are_macro_averaged() -> None:
    other = Span("susp", 500, 600, "src", 500, 600)
    false_alarm = Span("susp", 700, 800, "src", 700, 800)
    m = measures([CASE, other], [CASE, false_alarm])
    assert (m["recall"], m["precision"], m["granularity"]) == (0.5, 0.5, 1.0)
    assert (m["n_cases"], m["n_detections"]) == (2, 2)


def test_identical_detections_count_once() -> None:
    m = measures([CASE], [CASE, CASE])
    assert (m["granularity"], m["n_detections"]) == (1.0, 1)


@pytest.mark.parametrize(
    ("cases", "detections", "expected"),
    [([], [], 1.0), ([CASE], [], 0.0), ([], [CASE], 0.0)],
)
def test_empty_inputs_follow_the_official_scorer(cases: list[Span], detections: list[Span], expected: float) -> None:
    m = measures(cases, detections)
    assert (m["precision"], m["recall"], m["granularity"]) == (expected, expected, 1.0)


def test_covered_counts_the_union_inside_the_range() -> None:
    assert covered(10, 20, [(0, 12), (11, 14), (18, 30), (40, 50)]) == 6


def test_empty_span_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one character"):
        Span("susp", 5, 5, "src", 0, 10)
