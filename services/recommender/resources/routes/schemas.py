"""Route bodies: the query, and each route's steps, totals, components and reasons."""

from marshmallow import Schema, fields, validate

from shared.events.profile import ROUTE_PREFERENCES

#: The learner's constraints a what-if may replace for one answer (never saved).
WHAT_IF_CONSTRAINTS = ("max_travel_km", "hours_per_week", "budget_pence")


class RouteQuery(Schema):
    target = fields.String(
        validate=[
            validate.Length(min=1, max=64),
            # PostgreSQL cannot compare text holding a NUL byte: refused here, not a 500 there
            validate.Regexp(r"^[^\x00-\x1f\x7f]+$", error="no control characters"),
        ],
        metadata={
            "description": "occupation code; the learner's first goal occupation if left out"
        },
    )
    max = fields.Integer(
        load_default=3, validate=validate.Range(min=1, max=5), metadata={"description": "routes"}
    )
    # What-if: each replaces the learner's own value for this answer only (an adviser trying a
    # change with the learner before saving it to their profile); ranges as the profile's.
    max_travel_km = fields.Integer(
        validate=validate.Range(0, 500), metadata={"description": "what-if: farthest travel"}
    )
    hours_per_week = fields.Integer(
        validate=validate.Range(1, 60), metadata={"description": "what-if: hours a week"}
    )
    budget_pence = fields.Integer(
        validate=validate.Range(0, 10_000_000),
        metadata={"description": "what-if: most the learner can pay after funding, in pence"},
    )
    route_preference = fields.String(
        validate=validate.OneOf(ROUTE_PREFERENCES),
        metadata={"description": "what-if: academic, technical or either"},
    )


class StepSchema(Schema):
    course_id = fields.Integer()
    provider_id = fields.Integer()
    title = fields.String()
    qualification_type = fields.String()
    route_kind = fields.String(metadata={"description": "academic, technical or both"})
    rqf_level = fields.Integer()
    delivery_mode = fields.String(allow_none=True)
    distance_km = fields.Float(allow_none=True, metadata={"description": "None: open anywhere"})
    start = fields.Date()
    end = fields.Date()
    duration_weeks = fields.Integer()
    hours_per_week = fields.Float(allow_none=True)
    cost_pence = fields.Integer(metadata={"description": "the course's full fee"})
    pays_pence = fields.Integer(metadata={"description": "what the learner pays up front"})
    loan_pence = fields.Integer(metadata={"description": "what a loan pays (repaid later)"})
    funding = fields.String(metadata={"description": "how it is paid for, in plain English"})
    skills_added = fields.List(
        fields.String(), metadata={"description": "essential skills of the target it adds"}
    )
    level_after = fields.Integer(allow_none=True)
    reasons = fields.List(fields.String())


class TotalsSchema(Schema):
    months = fields.Float()
    hours_per_week = fields.Float(allow_none=True, metadata={"description": "the most at once"})
    cost_pence = fields.Integer(metadata={"description": "paid up front, all steps"})
    loan_pence = fields.Integer()
    travel_km = fields.Float(allow_none=True, metadata={"description": "the farthest campus"})
    skills_before = fields.Integer()
    skills_after = fields.Integer()
    skills_total = fields.Integer()
    share_before = fields.Float()
    share_after = fields.Float()
    missing_skills = fields.List(fields.String())


class RouteComponentsSchema(Schema):
    """Each part of the score, 0..1 with 1 best (the score is their weighted sum)."""

    skills = fields.Float(metadata={"description": "share of essential skills held after"})
    time = fields.Float(metadata={"description": "falls as the months grow"})
    cost = fields.Float(metadata={"description": "falls as the up-front cost grows"})
    travel = fields.Float(metadata={"description": "falls as the farthest campus gets farther"})
    collaborative = fields.Float(
        metadata={"description": "learners in the learner's occupation who took the steps"}
    )
    demand = fields.Float(metadata={"description": "the target's demand in the learner's area"})


class SwitchSchema(Schema):
    after_step = fields.Integer()
    from_kind = fields.String()
    to_kind = fields.String()
    description = fields.String()


class RouteSchema(Schema):
    score = fields.Float()
    summary = fields.String()
    components = fields.Nested(RouteComponentsSchema)
    totals = fields.Nested(TotalsSchema)
    switches = fields.List(fields.Nested(SwitchSchema))
    steps = fields.List(fields.Nested(StepSchema))


class TargetSchema(Schema):
    code = fields.String()
    title = fields.String()
    entry_level = fields.Integer(allow_none=True)
    essential_skills = fields.List(fields.String())
    area = fields.String(allow_none=True, metadata={"description": "labour-market area used"})
    demand = fields.Float()


class SearchSchema(Schema):
    exact = fields.Boolean(metadata={"description": "False: stopped at the expansion budget"})
    explored = fields.Integer()
    candidates = fields.Integer(metadata={"description": "courses the search chose among"})


class RoutesSchema(Schema):
    learner_id = fields.Integer()
    target = fields.Nested(TargetSchema)
    routes = fields.List(fields.Nested(RouteSchema))
    reason = fields.String(allow_none=True, metadata={"description": "why there is no route"})
    note = fields.String(
        allow_none=True,
        metadata={
            "description": "what the routes could not keep of the learner's wishes: routes"
            " mixing academic and technical courses when none of the preferred kind alone"
            " exists"
        },
    )
    weights = fields.Dict(keys=fields.String(), values=fields.Float())
    search = fields.Nested(SearchSchema)
    what_if = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "the what-if values this answer used instead of the learner's"},
    )
