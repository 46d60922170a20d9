"""The library API: `Scanner` and `ScanConfig`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup import Article, ScanConfig, Scanner
from dedup.cluster import ORIGIN_PUBLISHED
from dedup.records import BoolArray, I32Array, Match
from dedup.scanner import choose_candidates

STORY = (
    "Albanian police raided the camp of the group near Durres on Tuesday, seizing computers that prosecutors say were "
    "used in cyber attacks against foreign institutions. One person died in the clashes and dozens were hurt. The "
    "prime minister told a German magazine that the group must not use the country as a platform for its operations, "
    "and that guests who abuse hospitality are not welcome. The government said the raid followed a court order."
)


def article(article_id: str, text: str, published: str | None = None) -> Article:
    return Article(id=article_id, text=text, published=published)


def test_a_reprint_is_a_document_cluster_with_the_earliest_published_origin() -> None:
    scanner = Scanner()
    scanner.add(article("late", STORY + " Reporting by staff.", "2023-06-21T09:00:00+02:00"))
    result = scanner.add(article("early", STORY, "2023-06-21"))
    assert [(d.a, d.b) for d in result.duplicates] == [(0, 1)] and result.duplicates[0].jaccard > 0.9
    [document] = [c for c in scanner.clusters() if c.kind == "document"]
    assert document.origin == 1 and document.origin_rule == ORIGIN_PUBLISHED
    assert [(e.source, e.target) for e in document.edges] == [(1, 0)]


def test_unrelated_articles_give_no_match() -> None:
    scanner = Scanner()
    scanner.add(article("a", STORY))
    result = scanner.add(article("b", "The weather in Tirana stayed mild all week, and the football season began."))
    assert not result.matched and scanner.clusters() == []


def test_scan_yields_one_result_per_article_in_order() -> None:
    results = list(Scanner().scan([article("a", STORY), article("b", "short"), article("c", STORY)]))
    assert [(r.article.id, r.seq, r.matched) for r in results] == [("a", 0, False), ("b", 1, False), ("c", 2, True)]


def test_short_and_empty_texts_are_scanned_without_matches() -> None:
    scanner = Scanner()
    for i, text in enumerate(["", "   ", "one", "— “” …"]):
        assert not scanner.add(article(str(i), text)).matched
    assert scanner.clusters() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"min_words": 3}, "min_words must be at least shingle_size"),
        ({"num_perm": 1}, "num_perm must be at least 2"),
        ({"min_similarity": 0.0}, "min_similarity must be in (0, 1]"),
        ({"doc_threshold": 1.5}, "doc_threshold must be in (0, 1]"),
        ({"seed": -1}, "seed must be in [0, 2**32)"),
        ({"stitch_gap": -1}, "stitch_gap must not be negative"),
        ({"snap_words": -1}, "snap_words must not be negative"),
        ({"window_max_df": 1}, "window_max_df must be at least 2"),
    ],
)
def test_invalid_config_is_refused_with_the_rule(overrides: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ScanConfig(**overrides)  # type: ignore[arg-type]


def test_the_window_guarantees_min_words() -> None:
    config = ScanConfig(min_words=12, shingle_size=4)
    assert config.window == 9 and config.as_dict()["window"] == 9


def test_an_id_added_twice_is_refused() -> None:
    scanner = Scanner()
    scanner.add(article("a", STORY))
    with pytest.raises(ValueError, match="duplicate article id 'a'"):
        scanner.add(article("a", "other text"))
    assert len(scanner.articles) == 1


def test_a_published_value_that_is_not_iso_8601_is_refused() -> None:
    with pytest.raises(ValueError, match="published 'June 30' is not an ISO 8601 date"):
        Scanner().add(article("a", STORY, "June 30"))


def _ids(*values: int) -> I32Array:
    return np.array(values, dtype=np.int32)


def _flags(*values: bool) -> BoolArray:
    return np.array(values, dtype=np.bool_)


def _chosen(
    docs: I32Array,
    confirmed: BoolArray,
    window_docs: I32Array,
    window_counts: I32Array,
    min_shared: int,
    verbatim: BoolArray | None = None,
) -> tuple[list[int], set[int]]:
    verbatim = confirmed if verbatim is None else verbatim
    candidates, reworded = choose_candidates(docs, confirmed, verbatim, window_docs, window_counts, min_shared)
    assert len(candidates) == len(reworded)
    return candidates.tolist(), set(candidates[reworded].tolist())


def test_candidates_two_fingerprints_or_one_with_a_run_or_one_with_a_window_key() -> None:
    # Articles 1..5 share fingerprints (1 shares two; 2, 3 and 4 one each; 5 one); 3 shares a run with the new one,
    # 4 a window key, 5 nothing more. Article 7 shares two window keys and 8 one window key only.
    docs, confirmed = _ids(1, 2, 3, 4, 5), _flags(True, False, True, False, False)
    window_docs, window_counts = _ids(4, 7, 8), _ids(1, 2, 1)
    candidates, reworded = _chosen(docs, confirmed, window_docs, window_counts, 2)
    assert candidates == [1, 3, 4, 7]
    assert reworded == {4, 7}


def test_a_pair_confirmed_by_dense_trigrams_alone_is_reworded() -> None:
    docs, confirmed, verbatim = _ids(1, 2), _flags(True, True), _flags(True, False)
    candidates, reworded = _chosen(docs, confirmed, _ids(2), _ids(1), 2, verbatim)
    assert candidates == [1, 2] and reworded == {2}


def test_without_verification_every_fingerprint_pair_is_a_candidate() -> None:
    candidates, reworded = _chosen(_ids(2, 5), _flags(True, True), _ids(5, 9), _ids(1, 3), 2)
    assert candidates == [2, 5, 9] and reworded == {9}


@given(
    st.dictionaries(st.integers(0, 40), st.tuples(st.integers(1, 3), st.booleans(), st.booleans()), max_size=12),
    st.dictionaries(st.integers(0, 40), st.integers(1, 4), max_size=12),
    st.integers(1, 3),
)
def test_candidates_follow_their_definition(
    fingerprints: dict[int, tuple[int, bool, bool]], windows: dict[int, int], min_shared: int
) -> None:
    # Each fingerprint article: how many fingerprints it shares, whether a verbatim run, whether dense trigrams.
    ordered = sorted(fingerprints)
    docs = np.array(ordered, dtype=np.int32)
    verbatim = np.array([fingerprints[d][0] >= 2 or fingerprints[d][1] for d in ordered], dtype=np.bool_)
    confirmed = verbatim | np.array([fingerprints[d][2] for d in ordered], dtype=np.bool_)
    window_docs = np.array(sorted(windows), dtype=np.int32)
    window_counts = np.array([windows[d] for d in sorted(windows)], dtype=np.int32)
    candidates, reworded = _chosen(docs, confirmed, window_docs, window_counts, min_shared, verbatim)
    exact = {d for d, (count, run, _) in fingerprints.items() if count >= 2 or run}
    verified = exact | {d for d, (_, _, dense) in fingerprints.items() if dense}
    expected_reworded = {d for d, count in windows.items() if count >= min_shared}
    expected_reworded |= (fingerprints.keys() - verified) & windows.keys()
    expected_reworded |= verified - exact
    expected_reworded -= exact
    assert candidates == sorted(verified | expected_reworded) and reworded == expected_reworded


def test_a_window_candidate_that_shares_a_run_is_not_reworded() -> None:
    candidates, reworded = _chosen(_ids(4), _flags(True), _ids(4), _ids(5), 2)
    assert candidates == [4] and reworded == set()


def test_a_window_only_pair_is_aligned_and_refined_only_when_it_shares_trigrams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dedup.align
    import dedup.scanner

    refined: list[int] = []
    real_refine = dedup.align.refine_pair

    def counting_refine(*args, **kwargs):  # type: ignore[no-untyped-def]
        refined.append(1)
        return real_refine(*args, **kwargs)

    aligned: list[bool] = []
    real_passages = Scanner._passages

    def recording_passages(self, earlier, seq, prepared, reworded):  # type: ignore[no-untyped-def]
        aligned.append(reworded)
        return real_passages(self, earlier, seq, prepared, reworded)

    monkeypatch.setattr(dedup.scanner, "refine_pair", counting_refine)
    monkeypatch.setattr(Scanner, "_passages", recording_passages)
    words = STORY.replace(".", "").replace(",", "").split()
    # The same words in reverse order: the same window word sets (so the same window keys), no trigram in common.
    reversed_story = " ".join(reversed(words))
    # Every fourth word dropped: the window word sets stay close, trigrams survive but no 10-word run does.
    thinned = " ".join(w for i, w in enumerate(words) if i % 4 != 3)
    for other, expect_aligned in ((reversed_story, []), (thinned, [True])):
        refined.clear()
        aligned.clear()
        scanner = Scanner()
        scanner.add(article("a", STORY))
        scanner.add(article("b", other))
        # Found by its window keys alone (so reworded); with no trigram in common it is not even aligned.
        assert aligned == expect_aligned
        assert bool(refined) == bool(expect_aligned)


@pytest.mark.parametrize("window_max_df", [64, 2])
def test_a_window_key_held_by_window_max_df_articles_stops_making_candidates(
    monkeypatch: pytest.MonkeyPatch, window_max_df: int
) -> None:
    import dedup.scanner

    chosen: list[tuple[int, int]] = []
    real_choose = dedup.scanner.choose_candidates

    def recording_choose(*args):  # type: ignore[no-untyped-def]
        candidates, reworded = real_choose(*args)
        chosen.extend((int(c), len(scanner.articles)) for c in candidates)
        return candidates, reworded

    monkeypatch.setattr(dedup.scanner, "choose_candidates", recording_choose)
    words = STORY.replace(".", "").replace(",", "").split()
    # Three orders of the same words: the same window word sets (so the same window keys), no 5-gram in common.
    reversed_story = " ".join(reversed(words))
    pairs = [[words[i + 1], words[i]] for i in range(0, len(words) - 1, 2)]
    swapped = " ".join([w for pair in pairs for w in pair] + words[len(words) - len(words) % 2 :])
    scanner = Scanner(ScanConfig(window_max_df=window_max_df))
    for seq, text in enumerate((STORY, reversed_story, swapped)):
        scanner.add(article(str(seq), text))
    # The third article finds the first two through keys that both of them hold: saturated at window_max_df 2.
    assert chosen == ([(0, 1), (0, 2), (1, 2)] if window_max_df == 64 else [(0, 1)])


def test_sentence_keys_find_a_copy_reworded_in_every_sentence() -> None:
    words = STORY.split()
    # Every fourth word dropped: no 10-word run is left, most of each sentence's content words are.
    thinned = " ".join(w for i, w in enumerate(words) if i % 4 != 3)
    found = {}
    for windows, sentences in ((0, 0), (0, 8), (1, 8)):
        scanner = Scanner(ScanConfig(window_bands=windows, sentence_bands=sentences))
        scanner.add(article("a", STORY))
        found[windows, sentences] = scanner.add(article("b", thinned)).passages
    assert found[0, 0] == []
    assert found[0, 8] and found[1, 8]
    assert all(p.similarity < 0.9 for p in found[0, 8])


def test_sentence_options_are_checked() -> None:
    with pytest.raises(ValueError, match="window_rare_df"):
        ScanConfig(window_rare_df=-1)
    with pytest.raises(ValueError, match="sentence_rows"):
        ScanConfig(sentence_rows=9)
    with pytest.raises(ValueError, match="sentence_words"):
        ScanConfig(sentence_words=0)


def test_a_size_hint_presizes_the_tables_and_changes_no_result() -> None:
    from dedup.read import read_articles
    from dedup.scanner import _slots_for

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    articles = [r for r in read_articles([str(seeds)]) if isinstance(r, Article)]
    plain, hinted = Scanner(), Scanner(expected_bytes=20_000_000)
    for a in articles:
        plain.add(a)
        hinted.add(a)
    assert hinted.matches == plain.matches and hinted.clusters() == plain.clusters()
    assert hinted.memory_nbytes()["fingerprint_index"] > 8 * plain.memory_nbytes()["fingerprint_index"]
    for keys in (0, 1, 3, 4, 1000, 10**6, 10**12):
        slots = _slots_for(keys, 16)
        assert slots >= 16 and slots & (slots - 1) == 0
        assert 4 * keys <= 3 * slots or slots == 1 << 25
        assert slots == 16 or 4 * keys > 3 * (slots // 2)


def test_a_rewrite_sharing_one_fingerprint_is_aligned_when_its_trigrams_lie_close(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (
        "TEHRAN The prime minister of Albania has said that his country is no longer willing to continue to host "
        "the MEK terrorist group if they want to fight Iran from Albanian soil Edi Rama said the MEK group has "
        "violated the agreement according to which they were relocated to Albania from Iraq We have had the MEK "
        "in our country"
    )
    source = text.split(" ")
    # Every fifth word replaced, but for one stretch: a single shared fingerprint, no verbatim 10-word run, and
    # no window keys (turned off), yet two shared trigrams in every five words.
    rewrite = [w if i % 5 or 5 <= i < 10 else f"zq{i}" for i, w in enumerate(source)]

    def passages() -> list[tuple[int, int]]:
        scanner = Scanner(ScanConfig(window_bands=0))
        scanner.add(Article(id="a", text=" ".join(source)))
        return [(m.b_start, m.b_end) for m in scanner.add(Article(id="b", text=" ".join(rewrite))).passages]

    assert passages() == [(4, 319)]
    monkeypatch.setattr("dedup.scanner.DENSE_SPAN", 1)  # only a verbatim run would confirm the pair
    assert passages() == []


def test_a_pair_found_by_window_keys_alone_is_aligned_when_its_trigrams_lie_close(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = STORY.split()
    # Every fourth word dropped: no 10-word run is left, but window keys and three-word runs close together are.
    thinned = " ".join(w for i, w in enumerate(words) if i % 4 != 3)

    def passages() -> list[Match]:
        scanner = Scanner(ScanConfig(window_bands=2))
        scanner.add(article("a", STORY))
        return scanner.add(article("b", thinned)).passages

    found = passages()
    assert found and all(p.similarity < 0.9 for p in found)
    monkeypatch.setattr("dedup.scanner.REWORDED_SPAN", 3)  # four trigrams never lie within three
    assert passages() == []


def test_window_keys_no_other_article_holds_count_twice() -> None:
    from dedup.shingle import tokenize
    from dedup.signature import Windower

    words = STORY.split()
    thinned = " ".join(w for i, w in enumerate(words) if i % 4 != 3)
    config = ScanConfig()
    windower = Windower(config.window_words, config.window_bands, config.window_rows, config.seed)
    shared = len(np.intersect1d(windower.keys(tokenize(STORY).hashes), windower.keys(tokenize(thinned).hashes)))
    assert shared >= 1

    def passages(rare: int) -> list[Match]:
        scanner = Scanner(ScanConfig(window_min_shared=shared + 1, window_rare_df=rare))
        scanner.add(article("a", STORY))
        return scanner.add(article("b", thinned)).passages

    assert passages(0) == []  # one key short of a candidate
    assert passages(1)
