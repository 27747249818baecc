"""Nesta's Mapping Career Causeways attributes of ESCO occupations, and the RQF level they imply.

From `mcc_transitions_Occupation_data.csv`: job zone (O*NET 1-5), education level (O*NET's
"required level of education" category 1-12, which Nesta gives as a mean; rounded half up),
annual earnings in GBP (ASHE); from `mcc_risk_All_occupations.csv`: automation risk. Both are
joined to ESCO by `concept_uri`.

Typical entry level (RQF) from the education level, by the UK equivalent of each O*NET
category (UK ENIC comparisons, rounded to the level a learner would enter at):

| O*NET education category | RQF |
| --- | --- |
| 1 less than a high school diploma | 1 |
| 2 high school diploma (≈ GCSEs) | 2 |
| 3 post-secondary certificate | 3 |
| 4 some college courses | 4 |
| 5 associate's degree | 5 |
| 6 bachelor's degree; 7 post-baccalaureate certificate | 6 |
| 8 master's; 9 post-master's certificate; 10 first professional degree | 7 |
| 11 doctoral degree; 12 post-doctoral training | 8 |

Without an education level, the job zone decides: 1 → 1, 2 → 2, 3 → 3 (vocational school or
associate's degree, entered at level 3), 4 → 6 (bachelor's), 5 → 7 (graduate degree).

Nesta covers the 1,627 top-level ESCO occupations; a narrower one (code "3412.4.2") takes the
level of its nearest ancestor that has one ("3412.4"), and what is left takes the ILO skill
level of its ISCO-08 major group: 1 (elementary) → RQF 1, 2 (clerks, trades, operators) → 2,
3 (technicians; the lower bound of managers) → 4, 4 (professionals) → 6; armed forces by
sub-major group (officers 6, NCOs 2, other ranks 1).
"""

from __future__ import annotations

from typing import Any

from services.catalogue.taxonomy.source_files import Inputs

FOLDER = "nesta-career-causeways"
EDUCATION_RQF = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 6, 8: 7, 9: 7, 10: 7, 11: 8, 12: 8}
JOB_ZONE_RQF = {1: 1, 2: 2, 3: 3, 4: 6, 5: 7}
ISCO_SKILL_RQF = {
    "01": 6, "02": 2, "03": 1, "1": 4, "2": 6, "3": 4,
    "4": 2, "5": 2, "6": 2, "7": 2, "8": 2, "9": 1,
}  # fmt: skip
NO_ATTRIBUTES = {
    "job_zone": None, "education_level": None, "annual_earnings_gbp": None, "automation_risk": None,
}  # fmt: skip


def typical_entry_level(job_zone: int | None, education_level: int | None) -> int | None:
    """The RQF level an occupation is typically entered at (see the module's table)."""
    if education_level is not None:
        return EDUCATION_RQF.get(education_level)
    if job_zone is not None:
        return JOB_ZONE_RQF.get(job_zone)
    return None


def fill_entry_levels(occupations: dict[str, dict[str, Any]]) -> None:
    """Give each occupation (fields by URI) without an entry level its ancestor's, or its ISCO
    major group's skill level (see the module's docstring)."""
    by_code = {fields["code"]: fields["typical_entry_level"] for fields in occupations.values()}
    for fields in occupations.values():
        if fields["typical_entry_level"] is None:
            fields["typical_entry_level"] = _ancestor_level(fields["code"], by_code) or _isco_level(
                fields["isco_group"]
            )


def _ancestor_level(code: str, levels: dict[str, int | None]) -> int | None:
    while "." in code:
        code = code.rsplit(".", 1)[0]
        if levels.get(code) is not None:
            return levels[code]
    return None


def _isco_level(isco_group: str) -> int | None:
    return ISCO_SKILL_RQF.get(isco_group[:2]) or ISCO_SKILL_RQF.get(isco_group[:1])


def read_attributes(inputs: Inputs) -> dict[str, dict[str, Any]]:
    """Nesta's attributes by ESCO concept URI (empty when the data set is absent)."""
    if not inputs.has(FOLDER):
        return {}
    attributes: dict[str, dict[str, Any]] = {}
    for row in inputs.rows(FOLDER, "mcc_transitions_Occupation_data.csv"):
        attributes[row["concept_uri"].strip()] = {
            **NO_ATTRIBUTES,
            "job_zone": _category(row["job_zone"], 1, 5),
            "education_level": _category(row["education_level"], 1, 12),
            "annual_earnings_gbp": _number(row["annual_earnings"]),
        }
    for row in inputs.rows(FOLDER, "mcc_risk_All_occupations.csv"):
        uri = row["concept_uri"].strip()
        attributes.setdefault(uri, dict(NO_ATTRIBUTES))["automation_risk"] = _number(row["risk"])
    return attributes


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def _category(text: str, lowest: int, highest: int) -> int | None:
    """A mean of category values, rounded half up and kept within the scale."""
    value = _number(text)
    if value is None:
        return None
    return min(max(int(value + 0.5), lowest), highest)
