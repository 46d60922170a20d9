"""The library API: `Scanner` runs each article through the stages and keeps what later articles match against."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np

from dedup.align import AlignParams, GramProfile, align_pair, gram_profile, refine_pair
from dedup.cluster import build_document_clusters, build_passage_clusters, flag_boilerplate
from dedup.index import DocumentIndex, FingerprintIndex, WindowIndex
from dedup.normalize import close_span, normalize_text
from dedup.read import parse_published
from dedup.records import Article, ArticleResult, Cluster, DocumentMatch, Match, Tokens, U64Array
from dedup.shingle import hash_tokens, kgram_hashes
from dedup.signature import content_words, document_minhash, passage_fingerprints, window_signatures

# A pair whose passages are all at least this similar is (near) verbatim: shorter seeds would add nothing to it.
REFINE_BELOW = 0.9
# Refinement profiles kept for the articles most recently refined (a few MB at news lengths).
REFINE_CACHE = 256


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """Every parameter of a scan; written into the output so that a run can be reproduced.

    Attributes:
        num_perm: permutations of the document MinHash (datasketch `num_perm`).
        seed: seed of every permutation (datasketch `seed`).
        shingle_size: words per shingle (k) for the document MinHash and the passage fingerprints.
        min_words: the shortest passage reported, in words; any verbatim run this long is found, because the
            fingerprint window is `min_words - shingle_size + 1` shingles.
        passage_perms: independent fingerprint permutations (more find more lightly edited passages).
        align_k: words per seed when aligning a candidate pair.
        max_gap: the widest gap, in words on either side, bridged inside one passage.
        min_similarity: the least share of a passage's words that must be matched.
        doc_threshold: the least shingle Jaccard of two whole articles grouped as near-duplicates.
        max_df: a fingerprint held by this many articles no longer makes candidates (boilerplate).
        merge_gap: the widest gap, in words on either side, across which two passages of one pair are joined, if
            the joined passage is still `min_similarity` matched (a reworded stretch splits one passage).
        window_words: content words per window of the window signatures (about a sentence).
        window_bands: MinHash bands over each window's content-word set; a second candidate source for reworded
            passages that share no verbatim run of `min_words` (0 turns it off).
        window_min_shared: the least window keys two articles share to become a candidate (one is chance).
        window_rows: MinHash rows per band: more rows keep articles that merely share a topic apart.
        refine_k: seed length of the second alignment of pairs whose passages are reworded (0 turns it off).
        boilerplate_articles: a passage cluster with this many articles of one outlet is flagged boilerplate.
        exclude_boilerplate: leave the clusters flagged as boilerplate out of `clusters()`.

    README.md ("Why these defaults") gives the reason for each default.
    """

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    min_words: int = 10
    passage_perms: int = 1
    align_k: int = 3
    max_gap: int = 20
    min_similarity: float = 0.3
    doc_threshold: float = 0.8
    max_df: int = 500
    merge_gap: int = 60
    window_words: int = 12
    window_bands: int = 1
    window_min_shared: int = 2
    window_rows: int = 4
    refine_k: int = 2
    boilerplate_articles: int = 5
    exclude_boilerplate: bool = False

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
            (self.boilerplate_articles >= 2, "boilerplate_articles must be at least 2"),
            (self.merge_gap >= 0, "merge_gap must not be negative"),
            (
                self.window_words >= 1 and self.window_bands >= 0,
                "window_words must be positive, window_bands not negative",
            ),
            (
                1 <= self.window_rows <= 8 and self.window_min_shared >= 1,
                "window_rows must be 1..8, window_min_shared 1+",
            ),
            (0 <= self.refine_k <= self.min_words, "refine_k must be between 0 and min_words"),
            (0 <= self.seed < 2**32, "seed must be in [0, 2**32)"),
        ]
        for ok, message in rules:
            if not ok:
                raise ValueError(message)

    @property
    def window(self) -> int:
        """Shingles per winnowing window: every verbatim run of `min_words` words shares a fingerprint."""
        return self.min_words - self.shingle_size + 1

    def as_dict(self) -> dict[str, int | float | bool]:
        """Return the parameters as a plain mapping (for the output's run record)."""
        return {**asdict(self), "window": self.window}


class Scanner:
    """Find passages each new article shares with the articles seen before it, and cluster them at the end.

    Example:
        >>> scanner = Scanner()
        >>> for article in articles:
        ...     result = scanner.add(article)
        >>> clusters = scanner.clusters()
    """

    def __init__(self, config: ScanConfig | None = None) -> None:
        self.config = config or ScanConfig()
        self._align = AlignParams(
            self.config.align_k,
            self.config.max_gap,
            self.config.min_words,
            self.config.min_similarity,
            merge_gap=self.config.merge_gap,
        )
        self._fingerprints = FingerprintIndex(self.config.max_df)
        self._windows = WindowIndex(self.config.max_df, self.config.window_min_shared)
        self._documents = DocumentIndex(self.config.doc_threshold, self.config.num_perm, self.config.seed)
        self.articles: list[Article] = []
        self._ids: set[str] = set()
        self._published: list[datetime | None] = []
        self._tokens: list[Tokens] = []
        self._profiles: list[GramProfile] = []
        self._refine_cache: dict[int, GramProfile] = {}
        self.matches: list[Match] = []
        self.document_matches: list[DocumentMatch] = []

    def scan(self, articles: Iterable[Article]) -> Iterator[ArticleResult]:
        """Add each article in turn and yield what it matched."""
        for article in articles:
            yield self.add(article)

    def add(self, article: Article) -> ArticleResult:
        """Compare one article with every earlier one, remember it, and return its matches.

        Raises:
            ValueError: the article's id was added before, or its `published` is not an ISO 8601 date.
        """
        if article.id in self._ids:
            raise ValueError(f"duplicate article id {article.id!r}")
        published = article.published_at
        if published is None and article.published is not None:
            published = parse_published(article.published)
            if published is None:
                raise ValueError(f"article {article.id!r}: published {article.published!r} is not an ISO 8601 date")
        seq = len(self.articles)
        normalized = normalize_text(article.text)
        # 32-bit offsets halve what every remembered article costs; no article text comes near 2**31 characters.
        tokens = Tokens(normalized.starts.astype(np.int32), normalized.ends.astype(np.int32), hash_tokens(normalized))
        shingles = kgram_hashes(tokens.hashes, self.config.shingle_size)
        fingerprints = passage_fingerprints(shingles, self.config.window, self.config.passage_perms, self.config.seed)
        minhash = document_minhash(shingles, self.config.num_perm, self.config.seed)
        profile = gram_profile(tokens.hashes, self.config.align_k)
        result = ArticleResult(article, seq)
        windows = window_signatures(
            content_words(tokens.hashes),
            self.config.window_words,
            self.config.window_bands,
            self.config.seed,
            self.config.window_rows,
        )
        candidates = self._fingerprints.candidates(fingerprints)
        reworded: set[int] = set()
        if len(windows):
            reworded = set(self._windows.candidates(windows)).difference(candidates)
            candidates = sorted(reworded.union(candidates))
            self._windows.insert(seq, windows)
        for earlier in candidates:
            result.passages += self._passages(earlier, article, tokens, profile, earlier in reworded)
        if len(shingles):
            for earlier in self._documents.query(minhash):
                jaccard = _jaccard(self._shingles(earlier), shingles)
                if jaccard >= self.config.doc_threshold:
                    result.duplicates.append(DocumentMatch(earlier, seq, jaccard))
            self._documents.insert(seq, minhash)
        self._fingerprints.insert(seq, fingerprints)
        self.articles.append(article)
        self._ids.add(article.id)
        self._published.append(published)
        self._tokens.append(tokens)
        self._profiles.append(profile)
        self.matches += result.passages
        self.document_matches += result.duplicates
        return result

    def _passages(
        self, earlier: int, article: Article, tokens: Tokens, profile: GramProfile, reworded: bool
    ) -> list[Match]:
        """Align one candidate pair. A pair found only by its window signatures (no verbatim run in common) is
        refined even when the first alignment finds nothing, since its reuse is reworded by definition."""
        before, before_text = self._tokens[earlier], self.articles[earlier].text
        found = []
        passages = align_pair(self._profiles[earlier], profile, self._align)
        refine = any(p.similarity < REFINE_BELOW for p in passages) or (reworded and not passages)
        if 0 < self.config.refine_k < self.config.align_k and refine:
            passages = refine_pair(
                passages,
                self._refine_profile(earlier, before),
                self._refine_profile(len(self.articles), tokens),
                self._align,
            )
        for p in passages:
            found.append(
                Match(
                    a=earlier,
                    b=len(self.articles),
                    a_start=int(before.starts[p.a_start]),
                    a_end=close_span(before_text, int(before.ends[p.a_end - 1])),
                    b_start=int(tokens.starts[p.b_start]),
                    b_end=close_span(article.text, int(tokens.ends[p.b_end - 1])),
                    a_words=p.a_end - p.a_start,
                    b_words=p.b_end - p.b_start,
                    shared_words=min(p.matched_a, p.matched_b),
                    similarity=round(p.similarity, 4),
                )
            )
        return found

    def _refine_profile(self, seq: int, tokens: Tokens) -> GramProfile:
        """Return article `seq`'s `refine_k` profile, from a small cache: a new article is refined against several
        earlier ones, and an often-reused earlier article against many later ones."""
        profile = self._refine_cache.pop(seq, None)
        if profile is None:
            profile = gram_profile(tokens.hashes, self.config.refine_k)
            if len(self._refine_cache) >= REFINE_CACHE:
                del self._refine_cache[next(iter(self._refine_cache))]
        self._refine_cache[seq] = profile  # most recently used last
        return profile

    def _shingles(self, seq: int) -> U64Array:
        return kgram_hashes(self._tokens[seq].hashes, self.config.shingle_size)

    def memory_nbytes(self) -> dict[str, int]:
        """Return the bytes held per part of the scanner's state: the fingerprint index and the stored articles."""
        stored = sum(
            t.starts.nbytes
            + t.ends.nbytes
            + t.hashes.nbytes
            + p.values.nbytes
            + p.first.nbytes
            + p.counts.nbytes
            + p.order.nbytes
            for t, p in zip(self._tokens, self._profiles, strict=True)
        )
        texts = sum(sys.getsizeof(a.text) for a in self.articles)
        return {
            "fingerprint_index": self._fingerprints.nbytes(),
            "window_index": self._windows.nbytes(),
            "article_tokens": stored,
            "article_texts": texts,
        }

    def published_of(self, seq: int) -> datetime | None:
        """Return the parsed publication time of article `seq`, if it had one."""
        return self._published[seq]

    def clusters(self) -> list[Cluster]:
        """Return the passage clusters, then the document clusters, of everything added so far."""
        passages = flag_boilerplate(
            build_passage_clusters(self.matches, self.published_of),
            lambda seq: self.articles[seq].outlet,
            self.config.boilerplate_articles,
        )
        if self.config.exclude_boilerplate:
            passages = [cluster for cluster in passages if not cluster.boilerplate]
        documents = build_document_clusters(
            self.document_matches, lambda seq: len(self.articles[seq].text), self.published_of
        )
        return passages + documents


def _jaccard(a: U64Array, b: U64Array) -> float:
    set_a, set_b = np.unique(a), np.unique(b)
    shared = len(np.intersect1d(set_a, set_b, assume_unique=True))
    return round(shared / (len(set_a) + len(set_b) - shared), 4)
