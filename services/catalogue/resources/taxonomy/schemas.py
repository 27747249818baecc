"""Taxonomy bodies: query parameters (validated, each error naming its field) and what is read."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.catalogue.taxonomy.esco import KNOWLEDGE, SKILL, TRANSVERSAL
from services.catalogue.taxonomy.routes import ROUTES

MAX_LIMIT = 100


class PageQuery(Schema):
    cursor = fields.String(metadata={"description": "next_cursor of the previous page"})
    limit = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=MAX_LIMIT), metadata={"example": 20}
    )


class OccupationQuery(PageQuery):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "in the title"})
    technical_route = fields.String(validate=validate.OneOf(ROUTES))
    isco_group = fields.String(
        validate=validate.Regexp(r"^[0-9]{1,4}$", error="ISCO-08 digits: 1 to 4 of them"),
        metadata={"description": "an ISCO-08 group or its prefix ('25' is every ICT group)"},
    )


class SkillQuery(PageQuery):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "in the label"})
    kind = fields.String(validate=validate.OneOf((SKILL, KNOWLEDGE, TRANSVERSAL)))


class OccupationDetailQuery(Schema):
    area = fields.String(
        validate=validate.Length(min=1, max=120),
        metadata={"description": "labour-market area, e.g. LANCASHIRE (default: every area)"},
    )


class OccupationSchema(Schema):
    code = fields.String(metadata={"description": "ESCO code, e.g. 2512.4"})
    uri = fields.String()
    title = fields.String()
    isco_group = fields.String()
    technical_route = fields.String(allow_none=True)
    typical_entry_level = fields.Integer(allow_none=True, metadata={"description": "RQF"})
    job_zone = fields.Integer(allow_none=True)
    education_level = fields.Integer(allow_none=True)
    annual_earnings_gbp = fields.Float(allow_none=True)
    automation_risk = fields.Float(allow_none=True)


class SkillSchema(Schema):
    uri = fields.String()
    label = fields.String()
    kind = fields.String(metadata={"description": "skill, knowledge or transversal"})
    reuse_level = fields.String(allow_none=True)


class TransitionSchema(Schema):
    code = fields.String(metadata={"description": "the occupation moved to"})
    title = fields.String()
    similarity = fields.Float()
    source = fields.String(metadata={"description": "esco-skills or onet"})


class SignalSchema(Schema):
    soc_group = fields.String(metadata={"description": "UK SOC 2010 minor group"})
    area = fields.String()
    education_route = fields.String(metadata={"description": "all, school-leaver, fe or he"})
    demand_index = fields.Float(allow_none=True, metadata={"description": "entry-level postings"})
    median_pay_gbp = fields.Float(allow_none=True)
    projected_change = fields.String(allow_none=True)


class OccupationDetailSchema(OccupationSchema):
    description = fields.String()
    essential_skills = fields.List(fields.Nested(SkillSchema))
    optional_skills = fields.List(fields.Nested(SkillSchema))
    transitions = fields.List(fields.Nested(TransitionSchema))
    labour_market = fields.List(fields.Nested(SignalSchema))


class OccupationPageSchema(Schema):
    items = fields.List(fields.Nested(OccupationSchema))
    next_cursor = fields.String(allow_none=True)


class SkillPageSchema(Schema):
    items = fields.List(fields.Nested(SkillSchema))
    next_cursor = fields.String(allow_none=True)


class PostcodeSchema(Schema):
    postcode = fields.String(metadata={"description": "as asked"})
    outcode = fields.String(metadata={"description": "the district resolved"})
    latitude = fields.Float()
    longitude = fields.Float()


class CodedOccupationSchema(Schema):
    code = fields.String()
    title = fields.String()


class CodedSkillSchema(Schema):
    uri = fields.String()
    label = fields.String()


class TaxonomyCodesSchema(Schema):
    """Every code of the current taxonomy, in one document (what the profile service caches)."""

    version = fields.String(
        allow_none=True, metadata={"description": "the taxonomy version; null before any import"}
    )
    occupations = fields.List(fields.Nested(CodedOccupationSchema))
    skills = fields.List(fields.Nested(CodedSkillSchema))
    technical_routes = fields.List(fields.String())
    postcode_districts = fields.List(fields.String(), metadata={"description": "outward codes"})


class ExportSkillSchema(Schema):
    uri = fields.String()
    label = fields.String()


class ExportTransitionSchema(Schema):
    code = fields.String(metadata={"description": "the occupation moved to (titled in the list)"})
    similarity = fields.Float()
    source = fields.String(metadata={"description": "esco-skills or onet"})


class ExportSignalSchema(Schema):
    area = fields.String(metadata={"description": "as the signals name it, e.g. LANCASHIRE"})
    soc_group = fields.String(metadata={"description": "the UK SOC group the figures are for"})
    demand_index = fields.Float(allow_none=True, metadata={"description": "entry-level postings"})
    median_pay_gbp = fields.Float(allow_none=True)
    projected_change = fields.String(allow_none=True, metadata={"description": "rise/fall/steady"})


class ExportOccupationSchema(OccupationSchema):
    """An occupation with everything routes need of it (its URI left out: skills carry theirs)."""

    class Meta:
        exclude = ("uri",)

    essential_skills = fields.List(fields.Nested(ExportSkillSchema))
    optional_skills = fields.List(fields.Nested(ExportSkillSchema))
    transitions = fields.List(fields.Nested(ExportTransitionSchema))
    labour_market = fields.List(
        fields.Nested(ExportSignalSchema),
        metadata={"description": "one entry per area, for every education route ('all')"},
    )


class AreaSchema(Schema):
    name = fields.String(metadata={"description": "as labour_market entries name it"})
    pin = fields.String(metadata={"description": "the place the pin stands on"})
    latitude = fields.Float()
    longitude = fields.Float()


class TaxonomyExportSchema(Schema):
    """The whole current taxonomy, for services that keep their own copy of it."""

    version = fields.String(
        allow_none=True, metadata={"description": "the taxonomy version; null before any import"}
    )
    released_at = fields.String(
        allow_none=True, metadata={"description": "when the version was imported (ISO 8601)"}
    )
    occupations = fields.List(fields.Nested(ExportOccupationSchema))
    areas = fields.List(
        fields.Nested(AreaSchema),
        metadata={
            "description": "LEPs and city regions with a pin; the nearest pin to a place "
            "approximates its area"
        },
    )
