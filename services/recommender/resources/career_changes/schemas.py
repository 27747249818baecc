"""Career-change bodies: the queries, and each suggested move with what it was judged on."""

from marshmallow import Schema, fields, validate


class LearnerChangesQuery(Schema):
    n = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))


class OccupationChangesQuery(Schema):
    n = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
    area = fields.String(
        validate=validate.Length(min=1, max=120),
        metadata={"description": "labour-market area (LEP) whose demand weighs the moves"},
    )


class RouteHeadlineSchema(Schema):
    months = fields.Float()
    cost_pence = fields.Integer()
    loan_pence = fields.Integer()
    steps = fields.Integer()
    skills_after = fields.Integer()
    summary = fields.String()


class CareerChangeSchema(Schema):
    code = fields.String()
    title = fields.String()
    similarity = fields.Float(metadata={"description": "ESCO skill overlap (cosine)"})
    score = fields.Float(metadata={"description": "similarity weighted by demand in the area"})
    job_zone_change = fields.Integer(allow_none=True)
    earnings_ratio = fields.Float(allow_none=True, metadata={"description": "destination/origin"})
    automation_risk = fields.Float(allow_none=True)
    demand = fields.Float(metadata={"description": "0..1 rank of demand in the area"})
    cross_checked = fields.Boolean(metadata={"description": "O*NET also relates them"})
    checks = fields.List(fields.String(), metadata={"description": "viability checks applied"})
    essential_skills = fields.Integer()
    missing_skills = fields.List(fields.String())
    best_route = fields.Nested(RouteHeadlineSchema, allow_none=True)
    no_route_reason = fields.String(allow_none=True)


class OriginSchema(Schema):
    code = fields.String()
    title = fields.String()
    job_zone = fields.Integer(allow_none=True)
    annual_earnings_gbp = fields.Float(allow_none=True)
    automation_risk = fields.Float(allow_none=True)


class CareerChangesSchema(Schema):
    learner_id = fields.Integer(allow_none=True)
    origin = fields.Nested(OriginSchema)
    area = fields.String(allow_none=True)
    items = fields.List(fields.Nested(CareerChangeSchema))
