"""Diversification: a learner's list is not ten courses from one provider.

Applied after ranking and the hard filters, on the ranked ids alone, so it costs one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def diversify(
    ranked_course_ids: Iterable[int],
    provider_of: Mapping[int, int],
    n: int,
    max_per_provider: int = 2,
) -> list[int]:
    """The first `n` courses of `ranked_course_ids` taking at most `max_per_provider` from any
    one provider, in rank order. When the cap leaves fewer than `n` (few providers offer what
    the learner can take), the courses held back fill the rest, best first, after the capped
    ones: a short list is worse than a second course from the same college. A course whose
    provider is not in `provider_of` counts as its own provider.
    """
    if n <= 0:
        return []
    chosen: list[int] = []
    held_back: list[int] = []
    taken: dict[int, int] = {}
    seen: set[int] = set()
    for course_id in ranked_course_ids:
        if course_id in seen:
            continue
        seen.add(course_id)
        provider = provider_of.get(course_id)
        if provider is not None and taken.get(provider, 0) >= max_per_provider:
            held_back.append(course_id)
            continue
        if provider is not None:
            taken[provider] = taken.get(provider, 0) + 1
        chosen.append(course_id)
        if len(chosen) == n:
            return chosen
    return chosen + held_back[: n - len(chosen)]
