"""The library API: `Scanner` runs each article through the stages and keeps what later articles match against."""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
from numba import njit

from dedup.align import (
    NEAR_VERBATIM,
    AlignParams,
    GramProfile,
    align_pair,
    gram_profile,
    refine_pair,
    shared_grams,
    snap,
    stitch,
)
from dedup.cluster import build_document_clusters, build_passage_clusters, flag_boilerplate
from dedup.index import DocumentIndex, FingerprintIndex, GramStore, WindowIndex, summed_counts
from dedup.normalize import close_span
from dedup.read import DEFAULT_MAX_TEXT_CHARS, ArticleStore, parse_published
from dedup.records import (
    Article,
    ArticleResult,
    BoolArray,
    Cluster,
    DocumentMatch,
    I32Array,
    Match,
    Passage,
    Tokens,
    U64Array,
)
from dedup.shingle import kgram_hashes, tokenize
from dedup.signature import (
    MINHASH_SCHEME,
    Sentencer,
    Signer,
    Windower,
    sentence_breaks,
)

_CACHED_ARTICLES = 4096
# Index keys per byte of input, measured on news-length JSON lines (about 205 fingerprints and 220 window keys, one
# band, per 4,500-character article; 28 per sentence band): only used to size the tables for `expected_bytes`.
_FINGERPRINTS_PER_BYTE = 0.05
_WINDOW_KEYS_PER_BYTE = 0.05
_SENTENCE_KEYS_PER_BYTE = 0.0065
# One trigram key per word: about 720 per 4,500-character article. The store's array is only resident as far as it
# is filled, so a generous guess costs nothing; it stops at 1 GB, past which it grows as it fills.
_TRIGRAM_KEYS_PER_BYTE = 0.17
_MOST_PRESIZED_TRIGRAM_KEYS = 1 << 28
# Presized tables stop here (2**25 slots, 256 MB each); past it they grow as they would without a size hint.
_MOST_PRESIZED_SLOTS = 1 << 25
_NO_ARTICLES = np.zeros(0, dtype=np.int32)
# A pair found by its window keys alone is refined only if it shares this many distinct `align_k`-grams: reworded
# reuse keeps some of its word trigrams, while articles that merely share topic words mostly share none.
REWORDED_MIN_GRAMS = 3
# A pair found by its window keys alone is aligned only when this many of the earlier article's word trigrams, within
# any stretch of this many, occur in the new one: a reworded passage keeps some three-word runs close together,
# while articles on one topic share trigrams ("the prime minister") scattered over their length.
REWORDED_TRIGRAMS = 4
REWORDED_SPAN = 40
# A pair sharing one fingerprint and no verbatim `min_words` run is aligned (as reworded) when this many of the
# earlier article's word trigrams, within any stretch of this many, occur in the new one: a reworded passage keeps
# trigrams close together around the phrase it kept, while a stock phrase shared by two articles has few trigrams
# of the rest near it. On PAN, one in four of the reworded cases never aligned before shared exactly one fingerprint.
DENSE_TRIGRAMS = 8
DENSE_SPAN = 30


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """Every parameter of a scan; written into the output so that a run can be reproduced.

    Attributes:
        num_perm: bins of the document MinHash (one-permutation hashing; as many values as permutations).
        seed: seed of every hash permutation and salt (document MinHash, fingerprints, window keys).
        shingle_size: words per shingle (k) for the document MinHash and the passage fingerprints.
        min_words: the shortest passage reported, in words; any verbatim run this long is found, because the
            fingerprint window is `min_words - shingle_size + 1` shingles.
        passage_perms: independent fingerprint permutations (more find more lightly edited passages).
        align_k: words per seed when aligning a candidate pair.
        max_gap: the widest gap, in words on either side, bridged inside one passage.
        min_similarity: the least share of a passage's words that must be matched.
        doc_threshold: the least shingle Jaccard of two whole articles grouped as near-duplicates.
        max_df: a fingerprint held by this many articles no longer makes candidates (boilerplate).
        max_text_chars: the longest article text accepted, in characters; a longer one is refused, so that one
            site dump cannot take the memory and time of thousands of articles.
        merge_gap: the widest gap, in words on either side, across which two passages of one pair are joined, if
            the joined passage is still `min_similarity` matched (a reworded stretch splits one passage).
        window_words: content words per window of the window signatures (about a sentence).
        window_bands: MinHash bands over each window's content-word set; a second candidate source for reworded
            passages that share no verbatim run of `min_words` (0 turns it off).
        window_min_shared: the least window and sentence keys, together, two articles share to become a candidate
            (one is chance).
        window_rows: MinHash rows per band: more rows keep articles that merely share a topic apart.
        window_max_df: a window or sentence key held by this many articles no longer makes candidates: it is the
            common words of a topic, not a passage.
        window_rare_df: a window or sentence key that at most this many earlier articles hold counts twice toward
            `window_min_shared`: a rare key is a passage's words, not a topic's (0 turns this off).
        sentence_bands: MinHash bands over each sentence's content-word set; a third candidate source for reuse
            reworded sentence by sentence (paraphrase, round-trip translation). 0 turns it off.
        sentence_rows: MinHash rows per sentence band.
        sentence_words: the fewest distinct content words a sentence needs to have keys (short ones are chance).
        refine_k: seed length of the second alignment of pairs whose passages are reworded (0 turns it off).
        boilerplate_articles: a passage cluster with this many articles of one outlet is flagged boilerplate.
        exclude_boilerplate: leave the clusters flagged as boilerplate out of `clusters()`.
        verify_single: align a pair that shares only one passage fingerprint only if it also shares a verbatim run
            of `min_words` words, a window key, or `DENSE_TRIGRAMS` word trigrams within `DENSE_SPAN` of its own. A
            single shared 5-gram is mostly a stock phrase, and such pairs grow with the square of the stream;
            turning this off finds more heavily reworded passages (on PAN at about 1.2x the cost).
        stitch_gap: pieces of one pair that follow each other within this many words in one text, however far
            apart they lie in the other, are one passage when at least one of them is reworded (similarity below
            0.9): a summary or rewrite of pieces from all over its source. The joined passage spans everything
            between its pieces in the other text, so it can be less than `min_similarity` matched; it keeps the
            pieces (`Match.pieces`), and clusters are built from them. 0 turns it off.
        snap_words: a reworded passage (similarity below 0.9) is extended to the start and end of the sentences it
            begins and ends in, when that adds at most this many words in each text and the words added on the two
            sides share a content word (`align.snap`). 0 turns it off.

    README.md ("Why these defaults") gives the reason for each default.
    """

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    min_words: int = 10
    passage_perms: int = 1
    align_k: int = 3
    max_gap: int = 20
    min_similarity: float = 0.25
    doc_threshold: float = 0.8
    max_df: int = 500
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    merge_gap: int = 60
    window_words: int = 12
    window_bands: int = 1
    window_min_shared: int = 2
    window_rows: int = 4
    window_max_df: int = 64
    window_rare_df: int = 0
    sentence_bands: int = 0
    sentence_rows: int = 4
    sentence_words: int = 5
    refine_k: int = 2
    boilerplate_articles: int = 5
    exclude_boilerplate: bool = False
    verify_single: bool = True
    stitch_gap: int = 20
    snap_words: int = 8

    def __post_init__(self) -> None:
        rules = [
            (self.num_perm >= 2, "num_perm must be at least 2"),
            (self.shingle_size >= 1, "shingle_size must be at least 1"),
            (self.min_words >= self.shingle_size, "min_words must be at least shingle_size"),
            (self.passage_perms >= 1, "passage_perms must be at least 1"),
            (1 <= self.align_k <= self.min_words, "align_k must be between 1 and min_words"),
            (self.max_gap >= 0, "max_gap must not be negative"),
            (0.0 < self.min_similarity <= 1.0, "min_similarity must be in (0, 1]"),
            (0.0 < self.doc_threshold <= 1.0, "doc_threshold must be in (0, 1]"),
            (self.max_df >= 2, "max_df must be at least 2"),
            (self.window_max_df >= 2, "window_max_df must be at least 2"),
            (self.window_rare_df >= 0, "window_rare_df must not be negative"),
            (self.boilerplate_articles >= 2, "boilerplate_articles must be at least 2"),
            (self.merge_gap >= 0, "merge_gap must not be negative"),
            (self.stitch_gap >= 0, "stitch_gap must not be negative"),
            (self.snap_words >= 0, "snap_words must not be negative"),
            (
                self.window_words >= 1 and self.window_bands >= 0,
                "window_words must be positive, window_bands not negative",
            ),
            (
                1 <= self.window_rows <= 8 and self.window_min_shared >= 1,
                "window_rows must be 1..8, window_min_shared 1+",
            ),
            (
                self.sentence_bands >= 0 and 1 <= self.sentence_rows <= 8,
                "sentence_bands must not be negative, sentence_rows must be 1..8",
            ),
            (self.sentence_words >= 1, "sentence_words must be at least 1"),
            (0 <= self.refine_k <= self.min_words, "refine_k must be between 0 and min_words"),
            (0 <= self.seed < 2**32, "seed must be in [0, 2**32)"),
            (self.max_text_chars >= 1, "max_text_chars must be at least 1"),
        ]
        for ok, message in rules:
            if not ok:
                raise ValueError(message)

    @property
    def window(self) -> int:
        """Shingles per winnowing window: every verbatim run of `min_words` words shares a fingerprint."""
        return self.min_words - self.shingle_size + 1

    def as_dict(self) -> dict[str, int | float | str | bool]:
        """Return the parameters as a plain mapping (for the output's run record), with the MinHash scheme."""
        return {**asdict(self), "window": self.window, "minhash": MINHASH_SCHEME}


# Settings for heavily reworded reuse (paraphrase, round-trip translation, summary), as `--reworded` applies them:
# two bands of 11-word windows and eight of sentences, and a key that at most two earlier articles hold counts as
# two. A pair sharing one fingerprint is checked as with the defaults: aligning every such pair instead
# (`verify_single` off) found no more on PAN (0.873 against 0.874) at 1.07 times the CPU on news. README
# ("Measured", "Why these defaults") gives their figures and costs.
REWORDED: dict[str, int | float | bool] = {
    "window_bands": 2,
    "window_words": 11,
    "sentence_bands": 8,
    "window_rare_df": 2,
}


@dataclass(slots=True)
class _Prepared:
    """What alignment needs of one article: its text and tokens, and its sorted k-gram profiles and sentence starts
    once a candidate pair asks (the `align_k` profile, and the `refine_k` one and the sentences for reworded pairs)."""

    text: str
    tokens: Tokens
    profile: GramProfile | None = None
    refined: GramProfile | None = None
    breaks: BoolArray | None = None

    def breaks_of(self) -> BoolArray:
        if self.breaks is None:
            self.breaks = sentence_breaks(self.text, self.tokens.starts, self.tokens.ends)
        return self.breaks

    def profile_of(self, k: int) -> GramProfile:
        if self.profile is None:
            self.profile = gram_profile(self.tokens.hashes, k)
        return self.profile

    def refined_of(self, k: int) -> GramProfile:
        if self.refined is None:
            self.refined = gram_profile(self.tokens.hashes, k)
        return self.refined


class Scanner:
    """Find passages each new article shares with the articles seen before it, and cluster them at the end.

    Example:
        >>> scanner = Scanner()
        >>> for article in articles:
        ...     result = scanner.add(article)
        >>> clusters = scanner.clusters()
    """

    def __init__(self, config: ScanConfig | None = None, *, expected_bytes: int = 0, keep_texts: bool = True) -> None:
        """`expected_bytes`: the size of the input, when known (the command passes the size of its files): the
        index tables are then made as large as that input needs at once, instead of doubling as they fill.
        `keep_texts`: keep every text in memory; otherwise the text of an article read from a plain JSON-lines file
        is read again from there when needed (`ArticleStore`). Results are the same either way."""
        self.config = config or ScanConfig()
        self._align = AlignParams(
            self.config.align_k,
            self.config.max_gap,
            self.config.min_words,
            self.config.min_similarity,
            merge_gap=self.config.merge_gap,
        )
        self._fingerprints = FingerprintIndex(
            self.config.max_df, _slots_for(expected_bytes * _FINGERPRINTS_PER_BYTE, 1 << 16), fanout=64
        )
        self._windows = WindowIndex(
            self.config.window_max_df,
            self.config.window_min_shared,
            _slots_for(expected_bytes * _WINDOW_KEYS_PER_BYTE * self.config.window_bands, 1 << 12),
            self.config.window_rare_df,
        )
        self._documents = DocumentIndex(self.config.doc_threshold, self.config.num_perm)
        self._signer = Signer(
            self.config.shingle_size,
            self.config.num_perm,
            self.config.window,
            self.config.passage_perms,
            self.config.seed,
        )
        self._windower = Windower(
            self.config.window_words, self.config.window_bands, self.config.window_rows, self.config.seed
        )
        self._sentencer = Sentencer(
            self.config.sentence_bands, self.config.sentence_rows, self.config.sentence_words, self.config.seed
        )
        self._sentences = WindowIndex(
            self.config.window_max_df,
            self.config.window_min_shared,
            _slots_for(expected_bytes * _SENTENCE_KEYS_PER_BYTE * self.config.sentence_bands, 1 << 12),
            self.config.window_rare_df,
        )
        self.articles = ArticleStore(keep_texts)
        self._ids: set[str] = set()
        self._published: list[datetime | None] = []
        # A reworded candidate is dropped before the earlier article's tokens are recalled unless their trigram keys
        # lie close together (`REWORDED_TRIGRAMS`, fewer for a `min_words` that 3-word seeds cover with fewer). Only
        # with 3-word seeds, the length of the stored keys.
        self._least_trigrams = min(REWORDED_TRIGRAMS, -(-self.config.min_words // 3)) if self.config.align_k == 3 else 0
        self._grams = GramStore(
            min(max(int(expected_bytes * _TRIGRAM_KEYS_PER_BYTE), 1 << 16), _MOST_PRESIZED_TRIGRAM_KEYS)
        )
        # Tokens and profiles of recently used articles; older ones are recomputed from their text when a
        # candidate pair needs them, so memory per article is its text and its index entries.
        self._cache: OrderedDict[int, _Prepared] = OrderedDict()
        self.matches: list[Match] = []
        self.document_matches: list[DocumentMatch] = []

    def scan(self, articles: Iterable[Article]) -> Iterator[ArticleResult]:
        """Add each article in turn and yield what it matched."""
        for article in articles:
            yield self.add(article)

    def add(self, article: Article) -> ArticleResult:
        """Compare one article with every earlier one, remember it, and return its matches.

        Raises:
            ValueError: the article's id was added before, its `published` is not an ISO 8601 date, or its text is
                longer than `max_text_chars`.
        """
        if len(article.text) > self.config.max_text_chars:
            raise ValueError(
                f"article {article.id!r}: text is {len(article.text):,} characters, longer than the maximum"
                f" article size of {self.config.max_text_chars:,}"
            )
        if article.id in self._ids:
            raise ValueError(f"duplicate article id {article.id!r}")
        published = article.published_at
        if published is None and article.published is not None:
            published = parse_published(article.published)
            if published is None:
                raise ValueError(f"article {article.id!r}: published {article.published!r} is not an ISO 8601 date")
        seq = len(self.articles)
        utf8 = article.text.encode("utf-8", "surrogatepass")
        tokens = tokenize(article.text, utf8)
        signature = self._signer.sign(tokens.hashes)
        shingles, fingerprints, minhash = signature.shingles, signature.fingerprints, signature.minhash
        prepared = _Prepared(article.text, tokens)
        # Indexed and stored before any comparison, so that the scanner stays whole whatever a comparison does.
        docs, shared = self._fingerprints.add(seq, fingerprints)
        window_docs: I32Array = _NO_ARTICLES
        window_counts: I32Array = _NO_ARTICLES
        if self.config.window_bands:
            windows = self._windower.keys(tokens.hashes)
            if len(windows):
                window_docs, window_counts = self._windows.add_counted(seq, windows)
        if self.config.sentence_bands:
            keys = self._sentencer.keys(tokens.hashes, sentence_breaks(article.text, tokens.starts, tokens.ends))
            if len(keys):
                found, counts = self._sentences.add_counted(seq, keys)
                window_docs, window_counts = summed_counts(window_docs, window_counts, found, counts)
        if self.config.verify_single:
            confirmed, verbatim = self._grams.confirmed(
                signature.trigrams, docs, shared, self.config.min_words, DENSE_SPAN, DENSE_TRIGRAMS
            )
        else:
            confirmed = verbatim = np.ones(len(docs), dtype=np.bool_)
        candidates, reworded = choose_candidates(
            docs, confirmed, verbatim, window_docs, window_counts, self._windows.min_shared
        )
        is_reworded = reworded.tolist()
        if self._least_trigrams and True in is_reworded:
            keep = self._grams.sharing(signature.trigrams, candidates, reworded, REWORDED_SPAN, self._least_trigrams)
            candidates, reworded = candidates[keep], reworded[keep]
            is_reworded = reworded.tolist()
        near = self._documents.add(seq, minhash) if len(shingles) else []
        self.articles.append(article, utf8)
        self._ids.add(article.id)
        self._published.append(published)
        self._grams.append(signature.trigrams)
        self._remember(seq, prepared)
        result = ArticleResult(article, seq)
        for earlier, flag in zip(candidates.tolist(), is_reworded, strict=True):
            result.passages += self._passages(earlier, seq, prepared, flag)
        for earlier in near:
            jaccard = _jaccard(self._shingles(earlier), shingles)
            if jaccard >= self.config.doc_threshold:
                result.duplicates.append(DocumentMatch(earlier, seq, jaccard))
        self.matches += result.passages
        self.document_matches += result.duplicates
        return result

    def _passages(self, earlier: int, seq: int, prepared: _Prepared, reworded: bool) -> list[Match]:
        """Align one candidate pair. A pair found only by its window signatures (no verbatim run in common) is
        refined even when the first alignment finds nothing, since its reuse is reworded by definition, provided it
        shares `REWORDED_MIN_GRAMS` k-grams."""
        k = self.config.align_k
        recalled = self._recall(earlier)
        passages = align_pair(recalled.profile_of(k), prepared.profile_of(k), self._align)
        refine = any(p.similarity < NEAR_VERBATIM for p in passages) or (
            reworded
            and not passages
            and shared_grams(recalled.profile_of(k), prepared.profile_of(k)) >= REWORDED_MIN_GRAMS
        )
        if 0 < self.config.refine_k < k and refine:
            passages = refine_pair(
                passages,
                recalled.refined_of(self.config.refine_k),
                prepared.refined_of(self.config.refine_k),
                self._align,
            )
        if self.config.snap_words > 0 and any(p.similarity < NEAR_VERBATIM for p in passages):
            passages = snap(
                passages,
                recalled.breaks_of(),
                prepared.breaks_of(),
                recalled.tokens.hashes,
                prepared.tokens.hashes,
                self.config.snap_words,
            )
        if self.config.stitch_gap > 0 and len(passages) > 1:
            passages = stitch(passages, self.config.stitch_gap)
        return [_match(earlier, seq, recalled, prepared, p) for p in passages]

    def _shingles(self, seq: int) -> U64Array:
        return kgram_hashes(self._recall(seq).tokens.hashes, self.config.shingle_size)

    def _remember(self, seq: int, prepared: _Prepared) -> None:
        self._cache[seq] = prepared
        if len(self._cache) > _CACHED_ARTICLES:
            self._cache.popitem(last=False)

    def _recall(self, seq: int) -> _Prepared:
        """Return an earlier article's tokens (and profile), recomputed from its text if no longer cached."""
        prepared = self._cache.get(seq)
        if prepared is None:
            text = self.articles.text(seq)
            prepared = _Prepared(text, tokenize(text))
            self._remember(seq, prepared)
        else:
            self._cache.move_to_end(seq)
        return prepared

    def memory_nbytes(self) -> dict[str, int]:
        """Return the bytes held per part of the scanner's state: the fingerprint index and the stored articles."""
        cached = 0
        for prepared in self._cache.values():
            tokens = prepared.tokens
            cached += tokens.starts.nbytes + tokens.ends.nbytes + tokens.hashes.nbytes
            for profile in (prepared.profile, prepared.refined):
                if profile is not None:
                    cached += profile.values.nbytes + profile.first.nbytes + profile.counts.nbytes
                    cached += profile.order.nbytes
            if prepared.breaks is not None:
                cached += prepared.breaks.nbytes
        texts = self.articles.text_bytes() + sum(
            sys.getsizeof(p.text) for seq, p in self._cache.items() if p.text is not self.articles.about(seq).text
        )
        return {
            "fingerprint_index": self._fingerprints.nbytes(),
            "trigram_keys": self._grams.nbytes(),
            "document_index": self._documents.nbytes(),
            "window_index": self._windows.nbytes(),
            "sentence_index": self._sentences.nbytes(),
            "cached_tokens": cached,
            "article_texts": texts,
        }

    def published_of(self, seq: int) -> datetime | None:
        """Return the parsed publication time of article `seq`, if it had one."""
        return self._published[seq]

    def clusters(self) -> list[Cluster]:
        """Return the passage clusters, then the document clusters, of everything added so far."""
        passages = flag_boilerplate(
            build_passage_clusters(self.matches, self.published_of),
            lambda seq: self.articles.about(seq).outlet,
            self.config.boilerplate_articles,
        )
        if self.config.exclude_boilerplate:
            passages = [cluster for cluster in passages if not cluster.boilerplate]
        documents = build_document_clusters(self.document_matches, self.articles.length, self.published_of)
        return passages + documents


@njit(cache=True)
def choose_candidates(
    docs: I32Array,
    confirmed: BoolArray,
    verbatim: BoolArray,
    window_docs: I32Array,
    window_counts: I32Array,
    window_min_shared: int,
) -> tuple[I32Array, BoolArray]:
    """Return the earlier articles to align with a new one (sorted), and for each whether it is reworded.

    `docs`: the articles sharing fingerprints, `confirmed` for each whether that is enough (two or more shared, or
    one and a verbatim `min_words` run or dense shared trigrams: `GramStore.confirmed`) and `verbatim` whether by
    a verbatim run; `window_docs`/`window_counts`: the articles sharing window keys (and sentence keys, counted
    together), and how many.
    A confirmed article is a candidate, reworded unless verbatim. One shared fingerprint alone is also what a single
    stock phrase gives, so an unconfirmed article is a candidate only if it also shares a window key (then the pair
    is reworded). `window_min_shared` window keys make a reworded candidate on their own.
    """
    candidates = np.empty(len(docs) + len(window_docs), dtype=np.int32)
    reworded = np.empty(len(candidates), dtype=np.bool_)
    n = i = j = 0
    while i < len(docs) or j < len(window_docs):
        if j == len(window_docs) or (i < len(docs) and docs[i] < window_docs[j]):
            if confirmed[i]:
                candidates[n], reworded[n] = docs[i], not verbatim[i]
                n += 1
            i += 1
        elif i == len(docs) or window_docs[j] < docs[i]:
            if window_counts[j] >= window_min_shared:
                candidates[n], reworded[n] = window_docs[j], True
                n += 1
            j += 1
        else:
            candidates[n], reworded[n] = docs[i], not verbatim[i]
            n += 1
            i += 1
            j += 1
    return candidates[:n], reworded[:n]


def _match(earlier: int, seq: int, before: _Prepared, after: _Prepared, p: Passage) -> Match:
    """Return a passage of token ranges as a match in character offsets (a stitched one with its pieces)."""
    return Match(
        a=earlier,
        b=seq,
        a_start=int(before.tokens.starts[p.a_start]),
        a_end=close_span(before.text, int(before.tokens.ends[p.a_end - 1])),
        b_start=int(after.tokens.starts[p.b_start]),
        b_end=close_span(after.text, int(after.tokens.ends[p.b_end - 1])),
        a_words=p.a_end - p.a_start,
        b_words=p.b_end - p.b_start,
        shared_words=min(p.matched_a, p.matched_b),
        similarity=round(p.similarity, 4),
        pieces=tuple(_match(earlier, seq, before, after, piece) for piece in p.pieces),
    )


def _slots_for(keys: float, least: int) -> int:
    """Return the table size that holds `keys` keys at most 3/4 full (a power of two, from `least` up to
    `_MOST_PRESIZED_SLOTS`)."""
    slots = least
    while 3 * slots < 4 * keys and slots < _MOST_PRESIZED_SLOTS:
        slots *= 2
    return max(slots, least)


def _jaccard(a: U64Array, b: U64Array) -> float:
    set_a, set_b = np.unique(a), np.unique(b)
    shared = len(np.intersect1d(set_a, set_b, assume_unique=True))
    return round(shared / (len(set_a) + len(set_b) - shared), 4)
