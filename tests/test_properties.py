"""Hypothesis properties of the signature and alignment stages."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dedup import Article, Scanner
from dedup.align import AlignParams, align_pair, gram_profile, shared_grams, stitch
from dedup.normalize import normalize_text
from dedup.records import Passage
from dedup.shingle import hash_tokens, kgram_hashes, tokenize
from dedup.signature import (
    Sentencer,
    Signer,
    _sliding_min,
    content_words,
    document_minhash,
    document_salts,
    key_set,
    passage_fingerprints,
    passage_salts,
    sentence_breaks,
    shared_density,
    stop_word_hashes,
)
from tests import reference

NUM_PERM = 128
hash_sets = st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=300)
# Letters of several scripts, digits, punctuation, spaces and emoji.
alphabet = st.sampled_from(list("abcXYZ019 ,.’“”-—\nßİ東京ءبтя🙂ﬁ\u0301"))
texts = st.text(alphabet, max_size=120)
VOCABULARY = "the of a to MEK Rama Iran Albania camp police said group will would its host"
vocabulary = st.sampled_from(VOCABULARY.split())
word_lists = st.lists(vocabulary, max_size=60)


def as_array(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


@given(texts)
def test_fast_tokens_equal_the_reference(text: str) -> None:
    normalized = normalize_text(text)
    fast = [(int(normalized.starts[i]), int(normalized.ends[i]), normalized.token(i)) for i in range(len(normalized))]
    assert fast == reference.tokens(text)


@given(texts)
def test_fast_token_hashes_equal_the_reference(text: str) -> None:
    fast = hash_tokens(normalize_text(text)).tolist()
    assert fast == [reference.token_hash(form) for _, _, form in reference.tokens(text)]


@settings(max_examples=300)
@given(texts)
def test_one_pass_tokenizer_equals_the_reference(text: str) -> None:
    # Runs of ASCII letters next to other characters take the tokenizer's exact second path; the rest its first.
    tokens = tokenize(text)
    expected = reference.tokens(text)
    assert list(zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True)) == [(s, e) for s, e, _ in expected]
    assert tokens.hashes.tolist() == [reference.token_hash(form) for _, _, form in expected]


@given(hash_sets, st.randoms(use_true_random=False))
def test_minhash_ignores_order_and_duplicates(values: list[int], rng: st.SearchStrategy) -> None:
    shuffled = values + values[: len(values) // 2]
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    signature = document_minhash(as_array(values), NUM_PERM, 1)
    assert signature.dtype == np.uint32 and len(signature) == NUM_PERM
    assert np.array_equal(signature, document_minhash(as_array(shuffled), NUM_PERM, 1))


@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_minhash_of_a_union_is_the_elementwise_minimum(seed_a: int, seed_b: int) -> None:
    # Sets large enough that no bin is empty (densification copies between bins, which no union preserves).
    a = np.random.default_rng(seed_a).integers(0, 2**63, 4000, dtype=np.uint64)
    b = np.random.default_rng(seed_b).integers(0, 2**63, 4000, dtype=np.uint64)
    union = document_minhash(np.concatenate((a, b)), NUM_PERM, 1)
    assert np.array_equal(union, np.minimum(document_minhash(a, NUM_PERM, 1), document_minhash(b, NUM_PERM, 1)))


@settings(max_examples=150)
@given(texts, st.integers(1, 6), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_fast_signatures_equal_the_reference(text: str, k: int, window: int, seed: int) -> None:
    tokens = tokenize(text)
    assert [(int(s), int(e)) for s, e in zip(tokens.starts, tokens.ends, strict=True)] == [
        (s, e) for s, e, _ in reference.tokens(text)
    ]
    signature = Signer(k, 16, window, 1, seed).sign(tokens.hashes)
    salt, chain = document_salts(seed)
    minhash, fingerprints = reference.signatures(
        text, k, 16, window, int(salt), int(chain), int(passage_salts(1, seed)[0])
    )
    assert signature.minhash.tolist() == minhash
    assert set(signature.fingerprints.tolist()) == fingerprints


@settings(max_examples=60)
@given(st.integers(50, 400), st.integers(0, 400), st.integers(0, 400), st.integers(0, 2**16))
def test_minhash_estimate_is_close_to_true_jaccard(shared: int, only_a: int, only_b: int, offset: int) -> None:
    base = offset * 10_000
    a = np.arange(base, base + shared + only_a, dtype=np.uint64)
    b = np.concatenate((a[:shared], np.arange(base + 5000, base + 5000 + only_b, dtype=np.uint64)))
    b = np.unique(b)
    true = shared / (shared + only_a + only_b)
    estimate = float(np.mean(document_minhash(a, NUM_PERM, 1) == document_minhash(b, NUM_PERM, 1)))
    # Five standard deviations of a 128-permutation estimate (at most 0.044), as in datatrove's signature test.
    assert abs(estimate - true) <= 0.23


@given(word_lists, word_lists, st.lists(vocabulary, min_size=10, max_size=30))
def test_a_shared_run_of_min_words_always_shares_a_fingerprint(
    left: list[str], right: list[str], run: list[str]
) -> None:
    a = " ".join([*left, "qa", *run, "qb"])
    b = " ".join(["qc", *run, "qd", *right])
    fa = passage_fingerprints(kgram_hashes(hash_tokens(normalize_text(a)), 5), 6, 1, 1)
    fb = passage_fingerprints(kgram_hashes(hash_tokens(normalize_text(b)), 5), 6, 1, 1)
    assert np.intersect1d(fa, fb).size > 0


def aligned(a: str, b: str, params: AlignParams) -> list[tuple[str, str]]:
    na, nb = normalize_text(a), normalize_text(b)
    pa = gram_profile(hash_tokens(na), params.align_k)
    pb = gram_profile(hash_tokens(nb), params.align_k)
    return [
        (a[na.starts[p.a_start] : na.ends[p.a_end - 1]], b[nb.starts[p.b_start] : nb.ends[p.b_end - 1]])
        for p in align_pair(pa, pb, params)
    ]


filler = st.lists(st.sampled_from(["xa", "xb", "xc", "xd", "xe", "xf", "xg", "xh"]), max_size=40)
distinct_runs = st.lists(st.integers(0, 10**6), min_size=10, max_size=40, unique=True)


@given(filler, filler, distinct_runs, st.sampled_from(["", ",", "“", " — "]))
def test_alignment_offsets_round_trip_to_the_original_passage(
    left: list[str], right: list[str], run_ids: list[int], punct: str
) -> None:
    run = [f"W{i}" for i in run_ids]
    a = " ".join(left) + " . " + " ".join(run) + " . " + " ".join(right)
    b = "Intro " + punct + (" " + punct).join(w.lower() for w in run) + " outro"
    found = aligned(a, b, AlignParams())
    assert len(found) == 1
    text_a, text_b = found[0]
    assert text_a == " ".join(run)
    assert [t for *_, t in reference.tokens(text_a)] == [t for *_, t in reference.tokens(text_b)]


@given(distinct_runs.filter(lambda r: len(r) >= 30), st.integers(5, 20), st.booleans())
def test_a_light_edit_does_not_split_a_passage(run_ids: list[int], where: int, replace: bool) -> None:
    run = [f"w{i}" for i in run_ids]
    edited = run[:where] + (["changed"] if replace else []) + run[where + 1 :]
    found = aligned("start " + " ".join(run) + " end", "begin " + " ".join(edited) + " finish", AlignParams())
    assert len(found) == 1
    assert found[0][0] == " ".join(run)


def max_kgram_repeats(words: list[str], k: int = 3) -> int:
    grams = [tuple(words[i : i + k]) for i in range(len(words) - k + 1)]
    return max((grams.count(g) for g in set(grams)), default=0)


@settings(max_examples=200, deadline=None)
@given(word_lists, word_lists, word_lists, st.lists(vocabulary, min_size=10, max_size=40))
def test_scanner_reports_every_planted_verbatim_run(
    left: list[str], right: list[str], middle: list[str], run: list[str]
) -> None:
    words_a = [*left, "qa", *run, "qb", *middle]
    words_b = ["qc", *middle, "qe", *run, "qd", *right]
    # Alignment seeds leave out 3-grams repeated more than max_repeat (8) times: degenerate text, not news.
    assume(max(max_kgram_repeats(words_a), max_kgram_repeats(words_b)) <= AlignParams().max_repeat)
    a, b = " ".join(words_a), " ".join(words_b)
    start_a = len(" ".join([*left, "qa"])) + 1
    start_b = len(" ".join(["qc", *middle, "qe"])) + 1
    end_a, end_b = start_a + len(" ".join(run)), start_b + len(" ".join(run))
    scanner = Scanner()
    scanner.add(Article(id="a", text=a))
    found = scanner.add(Article(id="b", text=b)).passages
    # The copy in `b` is reported, paired with the planted run or with an identical earlier occurrence in `a`.
    assert any(
        m.b_start <= start_b
        and end_b <= m.b_end
        and contains(words_of(a[m.a_start : m.a_end]), [w.lower() for w in run])
        for m in found
    )
    assert any(m.a_start <= start_a and end_a <= m.a_end for m in found) or contains(
        [w.lower() for w in words_a[: len(left)]], [w.lower() for w in run]
    )


def words_of(text: str) -> list[str]:
    return [form for *_, form in reference.tokens(text)]


def contains(words: list[str], run: list[str]) -> bool:
    return any(words[i : i + len(run)] == run for i in range(len(words) - len(run) + 1))


@given(word_lists, word_lists, st.lists(vocabulary, min_size=10, max_size=30))
def test_a_shared_run_of_min_words_always_meets_in_the_trigram_keys(
    left: list[str], right: list[str], run: list[str]
) -> None:
    signer = Signer(5, 16, 6, 1, 1)  # min_words 10: a run of 8 shared trigrams
    a = signer.sign(tokenize(" ".join([*left, "qa", *run, "qb"])).hashes)
    b = signer.sign(tokenize(" ".join(["qc", *run, "qd", *right])).hashes)
    assert shared_density(*key_set(a.trigrams), b.trigrams, 30, 8, 8) == (True, True)


pieces = st.lists(st.tuples(st.integers(0, 150), st.integers(8, 30), st.integers(0, 40), st.integers(0, 4)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=60, max_size=180), pieces, st.integers(1, 40))
def test_stitching_only_joins_passages(ids: list[int], taken: list[tuple[int, int, int, int]], gap: int) -> None:
    # b is made of pieces of a (in any order, some with a word replaced) with a few words of its own between them.
    words_a = [f"w{i}" for i in ids]
    words_b: list[str] = []
    for start, length, edit, between in taken:
        piece = words_a[start : start + length]
        if edit < len(piece):
            piece[edit] = "changed"
        words_b += [*piece, *(f"own{j}" for j in range(between))]
    a = gram_profile(hash_tokens(normalize_text(" ".join(words_a))), 3)
    b = gram_profile(hash_tokens(normalize_text(" ".join(words_b))), 3)
    plain = align_pair(a, b, AlignParams())
    stitched = stitch(plain, gap)
    assert len(stitched) <= len(plain)
    for p in plain:
        assert any(
            q.a_start <= p.a_start and p.a_end <= q.a_end and q.b_start <= p.b_start and p.b_end <= q.b_end
            for q in stitched
        )
    # Every passage found is kept exactly once: as a passage of its own or as a piece of a stitched one.
    kept = [piece for q in stitched for piece in q.aligned]
    assert sorted(kept, key=_bounds) == sorted(plain, key=_bounds)


def _bounds(p: Passage) -> tuple[int, int, int, int]:
    return (p.a_start, p.b_start, p.a_end, p.b_end)


@given(st.lists(st.integers(0, 30), max_size=60), st.lists(st.integers(0, 30), max_size=60), st.integers(1, 3))
def test_shared_grams_counts_the_distinct_common_kgrams(a: list[int], b: list[int], k: int) -> None:
    hashes_a, hashes_b = np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)
    expected = set(kgram_hashes(hashes_a, k).tolist()) & set(kgram_hashes(hashes_b, k).tolist())
    assert shared_grams(gram_profile(hashes_a, k), gram_profile(hashes_b, k)) == len(expected)


@given(st.lists(st.text(alphabet, max_size=40), max_size=8), st.integers(1, 4), st.integers(0, 3), st.integers(1, 4))
def test_sentence_keys_equal_the_reference(pieces: list[str], min_words: int, bands: int, rows: int) -> None:
    text = " ".join(pieces)
    tokens = tokenize(text)
    breaks = sentence_breaks(text, tokens.starts, tokens.ends)
    spans = list(zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True))
    assert breaks.tolist() == reference.sentence_starts(text, spans)
    sentencer = Sentencer(bands, rows, min_words, 3)
    sentences: list[list[int]] = []
    current: list[int] = []
    for value, starts in zip(tokens.hashes.tolist(), breaks.tolist(), strict=True):
        if starts and current:
            sentences.append(current)
            current = []
        current.append(value)
    sentences.append(current)
    content = [content_words(np.array(s, dtype=np.uint64)).tolist() for s in sentences]
    expected = reference.sentence_keys(
        content,
        min_words,
        bands,
        rows,
        [int(s) for s in sentencer._salts],
        [int(s) for s in sentencer._band_salts],
    )
    keys = sentencer.keys(tokens.hashes, breaks).tolist()
    assert len(keys) == len(set(keys)) and set(keys) == expected


@given(st.lists(st.integers(0, 2**64 - 1), max_size=60), st.integers(1, 12))
def test_kgram_hashes_equal_the_reference(values: list[int], k: int) -> None:
    assert kgram_hashes(np.array(values, dtype=np.uint64), k).tolist() == reference.kgram_hashes(values, k)


@given(st.lists(st.one_of(st.integers(0, 2**64 - 1), st.sampled_from(stop_word_hashes().tolist())), max_size=80))
def test_content_words_drop_exactly_the_function_words(values: list[int]) -> None:
    stop = set(stop_word_hashes().tolist())
    assert content_words(np.array(values, dtype=np.uint64)).tolist() == [v for v in values if v not in stop]


@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=80), st.integers(1, 40))
def test_sliding_minimum_equals_the_naive_one(values: list[int], width: int) -> None:
    width = min(width, len(values))
    out = np.empty(len(values) - width + 1, dtype=np.uint64)
    _sliding_min(np.array(values, dtype=np.uint64), width, out)
    assert out.tolist() == [min(values[i : i + width]) for i in range(len(values) - width + 1)]
