"""Ranking metrics per learner, catalogue coverage, novelty and a paired bootstrap.

Inputs are the ranked columns from ``Ranker.recommend`` (shape (r, n), -1 for an empty slot)
and the held-out courses as a CSR matrix (r, n_courses) whose non-zeros are relevant. Per
learner values are returned as arrays, shape (r,), so models can be compared learner by
learner. Definitions (as implicit.evaluation, with binary relevance):

- precision@k = hits in top k / k;  recall@k = hits in top k / |relevant|;
- nDCG@k = sum over hits at rank i (0-based) of 1/log2(i+2), divided by the same sum over
  the first min(|relevant|, k) ranks;
- MAP@k = sum over hits at rank i of precision@(i+1), divided by min(|relevant|, k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

KS = (5, 10)


def hits(columns: np.ndarray, relevant: csr_matrix) -> np.ndarray:
    """Boolean (r, n): is the course at each rank relevant to that learner?"""
    columns = np.asarray(columns, dtype=np.int64)
    if relevant.shape[0] != columns.shape[0]:
        raise ValueError(f"{relevant.shape[0]} relevant rows for {columns.shape[0]} rankings")
    width = max(relevant.shape[1], int(columns.max(initial=0)) + 1)
    coo = relevant.tocoo()
    wanted = coo.row.astype(np.int64) * width + coo.col
    keys = np.arange(columns.shape[0])[:, None] * width + np.maximum(columns, 0)
    return np.isin(keys, wanted) & (columns >= 0)


def _relevant_counts(relevant: csr_matrix) -> np.ndarray:
    return np.diff(csr_matrix(relevant).indptr).astype(np.float64)


def precision_at_k(columns: np.ndarray, relevant: csr_matrix, k: int) -> np.ndarray:
    return hits(columns[:, :k], relevant).sum(axis=1) / k


def recall_at_k(columns: np.ndarray, relevant: csr_matrix, k: int) -> np.ndarray:
    counts = _relevant_counts(relevant)
    found = hits(columns[:, :k], relevant).sum(axis=1)
    return np.divide(found, counts, out=np.zeros_like(counts), where=counts > 0)


def ndcg_at_k(columns: np.ndarray, relevant: csr_matrix, k: int) -> np.ndarray:
    discounts = 1.0 / np.log2(np.arange(k) + 2.0)
    found = hits(columns[:, :k], relevant)
    dcg = (found * discounts[: found.shape[1]]).sum(axis=1)
    ideal_len = np.minimum(_relevant_counts(relevant), k).astype(np.int64)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[ideal_len]
    return np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)


def map_at_k(columns: np.ndarray, relevant: csr_matrix, k: int) -> np.ndarray:
    found = hits(columns[:, :k], relevant)
    precision_at_rank = np.cumsum(found, axis=1) / np.arange(1, found.shape[1] + 1)
    summed = (precision_at_rank * found).sum(axis=1)
    denominator = np.minimum(_relevant_counts(relevant), k)
    return np.divide(summed, denominator, out=np.zeros_like(summed), where=denominator > 0)


def coverage_at_k(columns: np.ndarray, n_courses: int, k: int) -> float:
    """Share of the catalogue (n_courses) that appears in anyone's top k."""
    shown = np.unique(columns[:, :k])
    return float((shown >= 0).sum()) / n_courses


def novelty_at_k(columns: np.ndarray, course_popularity: np.ndarray, k: int) -> float:
    """Mean self-information -log2 p(course) of recommended courses, where p is the share of
    training learners who took the course, ``course_popularity`` shape (n_courses,); a
    never-taken course counts as the rarest taken one. Higher = less obvious choices."""
    shown = columns[:, :k]
    shown = shown[shown >= 0]
    if shown.size == 0:
        return 0.0
    p = np.asarray(course_popularity, dtype=np.float64)
    floor = p[p > 0].min() if (p > 0).any() else 1.0
    return float(np.mean(-np.log2(np.maximum(p[shown], floor))))


def ranking_metrics(columns: np.ndarray, relevant: csr_matrix, ks: tuple[int, ...] = KS) -> dict:
    """Per-learner arrays, shape (r,), keyed like "ndcg@10"."""
    out: dict[str, np.ndarray] = {}
    for k in ks:
        out[f"precision@{k}"] = precision_at_k(columns, relevant, k)
        out[f"recall@{k}"] = recall_at_k(columns, relevant, k)
        out[f"ndcg@{k}"] = ndcg_at_k(columns, relevant, k)
        out[f"map@{k}"] = map_at_k(columns, relevant, k)
    return out


@dataclass(frozen=True)
class RatioInterval:
    """mean(a) / mean(b) over the same learners, with a percentile bootstrap interval."""

    ratio: float
    low: float
    high: float
    resamples: int
    confidence: float

    def to_dict(self) -> dict:
        return {
            "ratio": self.ratio,
            "low": self.low,
            "high": self.high,
            "resamples": self.resamples,
            "confidence": self.confidence,
        }


def bootstrap_ratio(
    a: np.ndarray,
    b: np.ndarray,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> RatioInterval:
    """Ratio of means of ``a`` to ``b`` (shape (r,), paired per learner) and its interval,
    resampling learners with replacement (both models keep the same resampled learners)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError("a and b must be non-empty and paired, shape (r,)")
    if b.mean() == 0:
        raise ValueError("the baseline's mean is zero: the ratio is undefined")
    rng = np.random.default_rng(seed)
    ratios = np.empty(resamples)
    batch = 200
    for start in range(0, resamples, batch):
        size = min(batch, resamples - start)
        picks = rng.integers(0, a.size, size=(size, a.size))
        sums_b = b[picks].sum(axis=1)
        ratios[start : start + size] = np.divide(
            a[picks].sum(axis=1), sums_b, out=np.full(size, np.inf), where=sums_b > 0
        )
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(ratios, [tail, 100.0 - tail])
    return RatioInterval(float(a.mean() / b.mean()), float(low), float(high), resamples, confidence)
