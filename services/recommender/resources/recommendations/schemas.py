"""Recommendation bodies: the query and the ranked courses with their reasons."""

from marshmallow import Schema, fields, validate

from shared.events.profile import DELIVERY_MODES


class RecommendationQuery(Schema):
    n = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
    route_kind = fields.String(validate=validate.OneOf(("academic", "technical")))
    max_km = fields.Float(validate=validate.Range(min=0, max=500))
    mode = fields.String(validate=validate.OneOf(DELIVERY_MODES))


class ComponentsSchema(Schema):
    """Each part of the score, 0..1 (the score is their weighted sum), and the counts the
    reason cites."""

    collaborative = fields.Float(
        metadata={"description": "rank among the model's top candidates (1: its best)"}
    )
    content = fields.Float(
        metadata={"description": "match of skills, occupations, sector, level with the learner"}
    )
    similar_learners = fields.Float(
        metadata={"description": "learners in the learner's current occupation who took it"}
    )
    popularity = fields.Float(metadata={"description": "learners who took it (log-scaled)"})
    feasibility = fields.Float(
        metadata={"description": "1.0: every hard filter passed (nothing else is answered)"}
    )
    learners_taken = fields.Integer()
    similar_taken = fields.Integer()
    goal_matches = fields.List(fields.String())


class SuggestionSchema(Schema):
    course_id = fields.Integer()
    provider_id = fields.Integer()
    title = fields.String(allow_none=True)
    score = fields.Float()
    components = fields.Nested(ComponentsSchema)
    distance_km = fields.Float(allow_none=True)
    cost_to_learner_pence = fields.Integer()
    reason = fields.String()


class RecommendationsSchema(Schema):
    learner_id = fields.Integer()
    model_version = fields.String(allow_none=True)
    items = fields.List(fields.Nested(SuggestionSchema))
