"""A shape adapter for the coursera-catalogue-2023 scrape, for tests only.

That file carries no licence: it is never shipped, never offered by the import command, and
its rows are never presented as real offers. Tests read it where the shared data folder has it
to check that a thousand real-world course titles, skill tags, levels and durations map to rows
CourseRow accepts (or are rejected with a reason).

Columns read: partner, course, skills, level, certificatetype, duration. Ignored: rating,
reviewcount, crediteligibility. Every row is an online short course open to learners anywhere.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from services.catalogue.course_sources.records import (
    MAX_WEEKS,
    ROUTE_KINDS,
    Cells,
    Problems,
    SourceRow,
    cell,
    clip,
    finish,
    merged_defaults,
    note,
    read_csv,
    required_text,
)
from services.catalogue.course_sources.sectors import BUSINESS, CREATIVE, DIGITAL, HEALTH

REQUIRED = ("partner", "course", "skills", "level", "certificatetype", "duration")

#: Coursera's level -> RQF level, a demo-only guess: a beginner's online course is taught at
#: about A level standard, intermediate and advanced at the first and second years of a degree.
#: "Mixed" courses open to beginners count as beginner. "None" or empty is reported.
LEVELS = {"beginner": 3, "mixed": 3, "intermediate": 4, "advanced": 5}
#: Certificate types that are short courses; degrees and university certificates are not, and
#: their RQF level is unknown, so they are reported.
SHORT_COURSES = {"course", "specialization", "professional certificate", "guided project"}
#: Word starts in the title or skill tags -> sector, the first found wins; the rest "General".
SECTOR_WORDS = {
    DIGITAL: ("data", "software", "programming", "python", "cloud", "computer", "security",
              "machine learning", "artificial intelligence"),
    HEALTH: ("health", "medical", "medicine", "biology", "nursing", "psychology"),
    CREATIVE: ("design", "writing", "music", "art", "media"),
    BUSINESS: ("business", "management", "marketing", "finance", "leadership", "account"),
}  # fmt: skip
GENERAL = "General"
#: Duration units -> weeks; a range counts at its upper end (how long it may take).
UNIT_WEEKS = {"hour": 1 / 40, "week": 1, "month": 52 / 12, "mes": 52 / 12, "year": 52}
DEFAULTS = {
    "delivery_mode": "online",
    "national": True,
    "study_mode": "flexible",
    "attendance_pattern": "flexible",
}
MAX_SKILLS, MAX_REF = 50, 64

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(?:(?:-|\u2013|to|a)\s*(\d+(?:\.\d+)?)\s*)?([a-z]+)")


def read_rows(path: Path, *, provider_defaults: Mapping[str, Any]) -> Iterator[SourceRow]:
    """Each course of the scrape as an online short course row, or why it cannot be one."""
    base = merged_defaults(DEFAULTS, provider_defaults)
    yield from read_csv(path, REQUIRED, partial(_course, base=base))


def _course(cells: Cells, problems: Problems, *, base: dict[str, Any]) -> dict[str, Any]:
    partner = required_text(cells, "partner", problems)
    title = required_text(cells, "course", problems)
    level = LEVELS.get(cell(cells, "level").casefold())
    if level is None:
        note(problems, "level", f"unknown level {cell(cells, 'level')!r}")
    kind = cell(cells, "certificatetype")
    if kind.casefold() not in SHORT_COURSES:
        note(problems, "certificatetype", f"{kind!r} is not a short course")
    skills = _skills(cell(cells, "skills"))
    if problems:
        return {}
    weeks = _weeks(cell(cells, "duration"))
    return finish(
        base,
        {
            "external_ref": _reference(partner, title),
            "title": clip(title, 300),
            "summary": f"{kind} offered online by {partner}.",
            "qualification_type": "Short course",
            "rqf_level": level,
            "route_kind": ROUTE_KINDS["Short course"],
            "sector": _sector(title, skills),
            "skills": [{"skill": skill} for skill in skills],
            **({"duration_weeks": weeks} if weeks else {}),
        },
    )


def _skills(text: str) -> list[str]:
    """Skill tags from a set literal such as {" Network Security"," Linux"}."""
    tags = (tag.strip(' "') for tag in text.strip("{}").split('","'))
    return list(dict.fromkeys(clip(tag, 200) for tag in tags if tag))[:MAX_SKILLS]


def _weeks(text: str) -> int | None:
    """ "3 - 6 Months" -> 27; None when the text gives no number and unit it knows."""
    found = _DURATION.search(text.casefold())
    unit = next((u for u in UNIT_WEEKS if found and found[3].startswith(u)), None)
    if found is None or unit is None:
        return None
    weeks = math.ceil(float(found[2] or found[1]) * UNIT_WEEKS[unit])
    return min(max(weeks, 1), MAX_WEEKS)


def _sector(title: str, skills: list[str]) -> str:
    words = " ".join([title, *skills]).casefold()
    found = (
        s for s, keys in SECTOR_WORDS.items() if any(re.search(rf"\b{k}", words) for k in keys)
    )
    return next(found, GENERAL)


def _reference(partner: str, title: str) -> str:
    """A stable, unique reference: the title's letters and digits and a digest of both names."""
    digest = hashlib.sha1(f"{partner}|{title}".encode(), usedforsecurity=False).hexdigest()[:8]
    stem = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[: MAX_REF - 9].strip("-")
    return f"{stem or 'course'}-{digest}"
