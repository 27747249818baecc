"""Transitions from skill overlap: occupations whose ESCO skill profiles are alike.

Each occupation is a vector over skills, 1.0 for an essential skill and 0.5 for an optional
one; similarity is the cosine of two vectors (1.0 for the same profile, 0 for no skill in
common). Each occupation keeps its 20 most similar others with similarity of at least 0.3 (the
threshold Nesta's Mapping Career Causeways uses for viable moves). One sparse product over all
3,007 ESCO occupations takes about a second.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import sparse

SOURCE = "esco-skills"
WEIGHTS = {"essential": 1.0, "optional": 0.5}
THRESHOLD = 0.3
TOP = 20


def skill_overlap_transitions(
    links: Mapping[tuple[str, str], str], threshold: float = THRESHOLD, top: int = TOP
) -> dict[tuple[str, str], float]:
    """(from code, to code) -> cosine similarity (4 decimals) for each occupation's `top` best.

    Ties are broken by occupation code, so the same links always give the same transitions.
    """
    codes = sorted({code for code, _ in links})
    if len(codes) < 2:
        return {}
    similarity = _cosine(links, codes)
    transitions: dict[tuple[str, str], float] = {}
    for row, origin in enumerate(similarity):
        order = np.argsort(-origin, kind="stable")[:top]
        for column in order:
            if origin[column] < threshold:
                break
            transitions[codes[row], codes[column]] = float(origin[column])
    return transitions


def _cosine(links: Mapping[tuple[str, str], str], codes: list[str]) -> np.ndarray:
    """The occupations' pairwise cosine similarities, rounded, with each one's own set to 0."""
    rows_of = {code: index for index, code in enumerate(codes)}
    skills = sorted({skill for _, skill in links})
    columns_of = {skill: index for index, skill in enumerate(skills)}
    rows = [rows_of[code] for code, _ in links]
    columns = [columns_of[skill] for _, skill in links]
    weights = [WEIGHTS[relation] for relation in links.values()]
    matrix = sparse.csr_matrix((weights, (rows, columns)), shape=(len(codes), len(skills)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    unit = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ matrix
    similarity = np.round((unit @ unit.T).toarray(), 4)
    np.fill_diagonal(similarity, 0.0)
    return similarity
