"""Every code of the current taxonomy in one document, for services that validate against it
(the profile service caches it to check learners' occupations, skills, goal sectors and
postcode districts without asking the catalogue on each request)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.catalogue.models import Occupation, PostcodeDistrict, Skill, TaxonomyVersion
from services.catalogue.taxonomy.routes import ROUTES


def taxonomy_codes(session: Session) -> dict[str, Any]:
    """`{version, occupations: [{code, title}], skills: [{uri, label}], technical_routes,
    postcode_districts}`; version is None before any taxonomy is imported."""
    version = session.scalar(
        select(TaxonomyVersion.version).order_by(TaxonomyVersion.id.desc()).limit(1)
    )
    occupations = session.execute(
        select(Occupation.code, Occupation.title).order_by(Occupation.code)
    )
    skills = session.execute(select(Skill.uri, Skill.label).order_by(Skill.uri))
    districts = session.scalars(select(PostcodeDistrict.outcode).order_by(PostcodeDistrict.outcode))
    return {
        "version": version,
        "occupations": [{"code": code, "title": title} for code, title in occupations],
        "skills": [{"uri": uri, "label": label} for uri, label in skills],
        "technical_routes": list(ROUTES),
        "postcode_districts": list(districts),
    }
