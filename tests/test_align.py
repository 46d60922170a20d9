from __future__ import annotations

import random

from dedup.align import AlignParams, _seed_pairs, align_pair, gram_profile, snap, stitch
from dedup.normalize import normalize_text
from dedup.records import Passage
from dedup.shingle import hash_tokens, tokenize
from dedup.signature import sentence_breaks

QUOTE = "our country is used as a trench in a war that is not ours it does not work"


def align(a: str, b: str, **overrides: int | float) -> list[Passage]:
    params = AlignParams(**overrides)  # type: ignore[arg-type]
    pa = gram_profile(hash_tokens(normalize_text(a)), params.align_k)
    pb = gram_profile(hash_tokens(normalize_text(b)), params.align_k)
    return align_pair(pa, pb, params)


def test_verbatim_passage_is_found_with_token_ranges_in_both_texts() -> None:
    [p] = align("He said " + QUOTE + " and left", "Rama told Der Spiegel: " + QUOTE + ".")
    assert (p.a_start, p.a_end, p.b_start, p.b_end) == (2, 20, 4, 22)
    assert p.similarity == 1.0 and p.matched_a == p.matched_b == 18


def test_runs_shorter_than_min_words_are_not_reported() -> None:
    nine = "alpha bravo charlie delta echo foxtrot golf hotel india"
    assert align(f"x y {nine} z", f"q {nine} r") == []
    assert len(align(f"x y {nine} juliet z", f"q {nine} juliet r")) == 1


def test_a_replaced_word_and_a_dropped_clause_stay_one_passage() -> None:
    a = "start " + QUOTE + " of course they have every right to fight for their freedom but they must leave"
    b = QUOTE.replace("war", "conflict") + " of course they have every right to fight but they must leave"
    [p] = align(a, b)
    assert (p.a_start, p.a_end) == (1, 34)
    assert 0.9 < p.similarity < 1.0


def test_gaps_wider_than_max_gap_split_passages() -> None:
    first = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"
    second = "kilo lima mike november oscar papa quebec romeo sierra tango"
    inserted = " ".join(f"n{i}" for i in range(25))
    assert len(align(f"{first} {second}", f"{first} {inserted} {second}", merge_gap=0)) == 2
    assert len(align(f"{first} {second}", f"{first} {inserted} {second}", max_gap=30, merge_gap=0)) == 1


def test_passages_too_sparse_to_join_stay_apart() -> None:
    first = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"
    second = "kilo lima mike november oscar papa quebec romeo sierra tango"
    inserted = " ".join(f"n{i}" for i in range(25))
    # Joined, 20 matched words of 45 would fall below min_similarity 0.5: two passages, both kept.
    found = align(f"{first} {second}", f"{first} {inserted} {second}", max_gap=30, min_similarity=0.5, merge_gap=0)
    assert [(p.matched_a, p.similarity) for p in found] == [(10, 1.0), (10, 1.0)]
    # Joining across merge_gap asks the same of each side: 20 matched words of 80 in b stay apart at 0.3.
    wide = " ".join(f"n{i}" for i in range(60))
    found = align(f"{first} {second}", f"{first} {wide} {second}", merge_gap=60, min_similarity=0.3)
    assert [(p.matched_a, p.similarity) for p in found] == [(10, 1.0), (10, 1.0)]


def test_pieces_of_one_passage_within_merge_gap_are_joined_in_either_order() -> None:
    first = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"
    second = "kilo lima mike november oscar papa quebec romeo sierra tango"
    inserted = " ".join(f"n{i}" for i in range(25))
    [p] = align(f"{first} {second}", f"{first} {inserted} {second}")
    assert (p.a_start, p.a_end, p.b_start, p.b_end, p.matched_a, p.matched_b) == (0, 20, 0, 45, 20, 20)
    # A moved sentence: the two pieces come in the other order in b.
    [p] = align(f"{first} {second}", f"{second} {first}")
    assert (p.a_start, p.a_end, p.b_start, p.b_end) == (0, 20, 0, 20)
    [p] = align(f"{first} {second}", f"{second} {inserted} {first}")
    assert (p.a_start, p.a_end, p.b_start, p.b_end, p.matched_a, p.matched_b) == (0, 20, 0, 45, 20, 20)
    assert len(align(f"{first} {second}", f"{second} {inserted} {first}", merge_gap=0)) == 2


def test_a_phrase_repeated_in_one_text_does_not_stretch_the_passage() -> None:
    a = "Rama said the camp was a trench in its campaign against Iran and that " + QUOTE
    b = "Spiegel quoted him: " + QUOTE
    [p] = align(a, b)
    assert p.a_end - p.a_start == 18 and p.similarity == 1.0


def test_a_phrase_the_passage_repeats_does_not_stretch_it_over_text_around_it() -> None:
    copied = (
        "turn right onto country club road and then make an immediate left into the youth sports complex from the"
        " highway enter the town and turn right onto country club road at the pizza place"
    )
    before = "directions to the fields on country club road are given below for visitors"
    after = "parking is free at the youth sports complex on weekends"
    a = f"our team plays at home this season {copied} we hope to see you there"
    b = f"{before} {copied} {after}"
    [p] = align(a, b)
    assert (p.a_start, p.a_end) == (7, 7 + len(copied.split()))
    assert (p.b_start, p.b_end) == (len(before.split()), len(before.split()) + len(copied.split()))
    assert p.similarity == 1.0


def test_stitching_joins_reworded_pieces_adjacent_in_one_text_and_far_apart_in_the_other() -> None:
    first = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima"
    second = "mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray"
    filler = " ".join(f"n{i}" for i in range(200))
    # b rewrites two sentences of a that lie 200 words apart (two words of each changed) and puts them together.
    a = f"{first} {filler} {second}"
    rewritten = first.replace("echo", "e1").replace("india", "i1")
    b = f"{rewritten} and {second.replace('quebec', 'q1').replace('xray', 'x1')}"
    pieces = align(a, b)
    assert len(pieces) == 2
    [p] = stitch(pieces, 5)
    assert (p.a_start, p.a_end, p.b_start, p.b_end) == (0, 223, 0, 24)  # from alpha to whiskey in both
    assert p.pieces == tuple(pieces)
    assert stitch(pieces, 0) == pieces


def test_stitching_keeps_every_piece_once_when_it_joins_three() -> None:
    sentences = [" ".join(f"{word}{i}" for word in "abcdefghijkl") for i in range(3)]
    filler = " ".join(f"n{i}" for i in range(100))
    a = f" {filler} ".join(sentences)
    b = " and ".join(s.replace("e", "x", 1).replace("i", "y", 1) for s in sentences)
    pieces = align(a, b)
    assert len(pieces) == 3
    [p] = stitch(pieces, 5)
    assert p.pieces == tuple(pieces)
    assert [q.pieces for q in p.pieces] == [(), (), ()]


def test_stitching_leaves_verbatim_quotes_side_by_side_apart() -> None:
    first = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima"
    second = "mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray"
    filler = " ".join(f"n{i}" for i in range(200))
    found = stitch(align(f"{first} {filler} {second}", f"{first} and {second}"), 5)
    assert [(p.a_start, p.b_start, p.similarity) for p in found] == [(0, 0, 1.0), (212, 13, 1.0)]


def test_stitching_leaves_two_long_reworded_passages_side_by_side_apart() -> None:
    long_first = " ".join(f"a{i}" for i in range(60))
    long_second = " ".join(f"b{i}" for i in range(60))
    filler = " ".join(f"n{i}" for i in range(200))
    a = f"{long_first} {filler} {long_second}"
    # Every fifth word changed: each passage is reworded (similarity 0.8), and 60 words long.
    b = " and ".join(" ".join(w if i % 5 else "x" for i, w in enumerate(s.split())) for s in (long_first, long_second))
    found = align(a, b)
    assert len(found) == 2 and all(p.similarity < 0.9 for p in found)
    # Two passages of 50+ words each are taken from two places, not pieces of one summary.
    assert stitch(found, 5) == found


def snapped(a: str, b: str, reach: int = 8) -> list[tuple[str, str]]:
    """Align, snap, and return each passage as the words it spans in `a` and in `b`."""
    ta, tb = tokenize(a), tokenize(b)
    params = AlignParams()
    found = align_pair(gram_profile(ta.hashes, 3), gram_profile(tb.hashes, 3), params)
    found = snap(
        found,
        sentence_breaks(a, ta.starts, ta.ends),
        sentence_breaks(b, tb.starts, tb.ends),
        ta.hashes,
        tb.hashes,
        reach,
    )
    return [
        (a[ta.starts[p.a_start] : ta.ends[p.a_end - 1]], b[tb.starts[p.b_start] : tb.ends[p.b_end - 1]]) for p in found
    ]


# One sentence of 20 content words, reworded: every fourth word changed, so 3-word seeds stop short of its ends.
SENTENCE = " ".join(f"w{i}" for i in range(20))
REWORDED = " ".join(f"w{i}" if i % 4 else f"v{i}" for i in range(20))


def test_snapping_extends_a_reworded_passage_to_the_sentence_both_texts_rewrote() -> None:
    a = f"Earlier text here. Minister Rama said {SENTENCE} w200 end. After that."
    b = f"Other opening words. Rama told reporters {REWORDED} w300 stop. Something else."
    [(in_a, in_b)] = snapped(a, b)
    # "Rama" is shared before the seeds; "end"/"stop" share nothing, so the ends stay where the seeds stop.
    assert in_a.startswith("Minister Rama said w0") and in_b.startswith("Rama told reporters v0")
    assert in_a.endswith("w19") and in_b.endswith("w19")
    [(plain_a, plain_b)] = snapped(a, b, reach=0)
    assert plain_a.startswith("w1 ") and plain_b.startswith("w1 ")


def test_snapping_needs_a_shared_content_word_and_leaves_verbatim_passages_alone() -> None:
    a = f"Earlier text here. The minister said {SENTENCE} today."
    b = f"Other opening words. Officials wrote that {REWORDED} yesterday."
    [(in_a, in_b)] = snapped(a, b)
    assert in_a.startswith("w1 ") and in_b.startswith("w1 ")  # "the", "said", "that" share no content word
    verbatim = f"Earlier text here. Minister Rama told {SENTENCE} today."
    [(in_a, in_b)] = snapped(verbatim, f"Other words. Prime minister Rama said {SENTENCE} yesterday.")
    assert in_a == in_b == SENTENCE


def test_snapping_reaches_no_further_than_reach_words() -> None:
    a = f"Earlier text. Minister Rama one two three four five six seven {SENTENCE} end."
    b = f"Other words. Rama told eight nine ten eleven twelve thirteen fourteen {REWORDED} stop."
    [(in_a, _)] = snapped(a, b, reach=8)
    assert in_a.startswith("w1 ")
    [(in_a, in_b)] = snapped(a, b, reach=10)
    assert in_a.startswith("Minister Rama") and in_b.startswith("Rama told")


def test_unrelated_texts_share_nothing() -> None:
    assert align("the police raided the camp on June 20", "the weather in Tirana was mild this week") == []


def test_a_paragraph_repeated_in_one_text_is_matched_once() -> None:
    a = f"intro {QUOTE} middle words here {QUOTE} end"
    found = align(a, f"Rama said {QUOTE}.")
    assert len(found) == 1 and found[0].similarity == 1.0


def test_a_pathological_pair_examines_at_most_max_seeds_seed_matches() -> None:
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(300)]
    base = [rng.choice(vocab) for _ in range(20_000)]
    edited = [w if rng.random() > 0.2 else rng.choice(vocab) for w in base]
    params = AlignParams(max_seeds=2_000)
    a = gram_profile(hash_tokens(normalize_text(" ".join(base))), params.align_k)
    b = gram_profile(hash_tokens(normalize_text(" ".join(edited))), params.align_k)
    uncapped, _ = _seed_pairs(a, b, AlignParams(max_seeds=10**9))
    seeds_a, seeds_b = _seed_pairs(a, b, params)
    assert len(uncapped) > 4 * params.max_seeds  # the cap is what bounds this pair
    assert 0 < len(seeds_a) == len(seeds_b) <= params.max_seeds
    found = align_pair(a, b, params)
    assert all(p.a_end <= len(base) and p.b_end <= len(edited) for p in found)


def test_one_word_repeated_yields_no_seeds() -> None:
    params = AlignParams()
    a = gram_profile(hash_tokens(normalize_text("word " * 50_000)), params.align_k)
    seeds_a, _ = _seed_pairs(a, a, params)
    assert len(seeds_a) == 0 and align_pair(a, a, params) == []


def test_snapping_takes_the_last_sentence_to_the_end_of_the_text_only_within_reach() -> None:
    a = f"Earlier text here. Minister Rama said {SENTENCE} w200 w201 w202 in Tirana"
    b = f"Other opening words. Rama told reporters {REWORDED} in Tirana the capital city now"
    [(in_a, in_b)] = snapped(a, b)
    assert in_a.endswith("in Tirana") and in_b.endswith("capital city now")
    [(in_a, in_b)] = snapped(a, b, reach=5)
    assert in_a.endswith("w19") and in_b.endswith("w19")
