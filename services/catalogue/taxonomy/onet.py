"""Transitions from O*NET's related occupations, joined to ESCO through Nesta's crosswalk.

O*NET lists 20 related occupations for each of 923 occupations, ranked (Index 1-20) in three
tiers: Primary-Short (ranks 1-5), Primary-Long (6-10) and Supplemental (11-20). A related pair
becomes a transition between every ESCO occupation the crosswalk maps to one side and every one
it maps to the other, with a similarity from the tier and the rank within it:

    Primary-Short 0.90, 0.88, ... 0.82; Primary-Long 0.70 ... 0.62; Supplemental 0.50 ... 0.32

so every O*NET transition clears the 0.3 floor the skill-overlap transitions use, and a pair
reached twice keeps its higher similarity. The crosswalk uses O*NET-SOC 2010 codes and the
related-occupations file O*NET-SOC 2019; only codes unchanged between them join (525 of the
crosswalk's 668), since the official 2010-2019 crosswalk is not in the data folder.
"""

from __future__ import annotations

from collections import defaultdict

from services.catalogue.taxonomy.source_files import Inputs

SOURCE = "onet"
NESTA, ONET = "nesta-career-causeways", "onet"
TIERS = {"Primary-Short": (0.90, 1), "Primary-Long": (0.70, 6), "Supplemental": (0.50, 11)}
STEP = 0.02


def relatedness_similarity(tier: str, index: int) -> float | None:
    """The similarity of O*NET's tier and rank (None for a tier O*NET does not define)."""
    if tier not in TIERS:
        return None
    base, first_rank = TIERS[tier]
    return round(base - STEP * max(index - first_rank, 0), 4)


def read_onet_transitions(
    inputs: Inputs, codes_by_uri: dict[str, str]
) -> dict[tuple[str, str], float]:
    """(from ESCO code, to ESCO code) -> similarity; empty without the O*NET or Nesta data."""
    if not (inputs.has(NESTA) and inputs.has(ONET)):
        return {}
    esco_by_onet: dict[str, set[str]] = defaultdict(set)
    for row in inputs.rows(NESTA, "esco_onet_crosswalk_Nov2020.csv"):
        code = codes_by_uri.get(row["concept_uri"].strip())
        if code is not None:
            esco_by_onet[row["onet_code"].strip()].add(code)
    transitions: dict[tuple[str, str], float] = {}
    for row in inputs.rows(ONET, "related_occupations.csv"):
        origins = esco_by_onet.get(row["O*NET-SOC Code"].strip(), set())
        targets = esco_by_onet.get(row["Related O*NET-SOC Code"].strip(), set())
        similarity = relatedness_similarity(row["Relatedness Tier"].strip(), int(row["Index"]))
        if similarity is None:
            continue
        for origin in origins:
            for target in targets - {origin}:
                if similarity > transitions.get((origin, target), 0.0):
                    transitions[origin, target] = similarity
    return transitions
