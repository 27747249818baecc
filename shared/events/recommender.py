"""Events the recommender publishes for the notifier (and route changes for the profile
service's adviser console)."""

from marshmallow import fields, validate

from shared.events.contract import EventSchema, contract


@contract("recommender.recommendations.updated", 1, producer="recommender", consumers=("notifier",))
class RecommendationsUpdatedV1(EventSchema):
    """A learner's ranked course suggestions changed."""

    learner_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    model_version = fields.String(required=True, validate=validate.Length(min=1, max=64))
    top_course_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)), required=True
    )
    reason = fields.String(
        required=True,
        validate=validate.OneOf(("retrained", "interaction", "course-changed", "profile-changed")),
    )


@contract(
    "recommender.routes.updated", 1, producer="recommender", consumers=("notifier", "profile")
)
class RoutesUpdatedV1(EventSchema):
    """A learner's best reskilling routes to a target occupation changed."""

    learner_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    target = fields.String(required=True, validate=validate.Length(min=1, max=64))
    changes = fields.List(
        fields.String(
            validate=validate.OneOf(("new-best-route", "shorter", "cheaper", "course-withdrawn"))
        ),
        required=True,
    )


@contract(
    "recommender.routes.updated", 2, producer="recommender", consumers=("notifier", "profile")
)
class RoutesUpdatedV2(EventSchema):
    """A learner's best reskilling route to their target occupation changed, with the figures
    a message needs ("a new course now shortens your route by 4 months")."""

    learner_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    target = fields.String(required=True, validate=validate.Length(min=1, max=64))
    changes = fields.List(
        fields.String(
            validate=validate.OneOf(
                ("new-best-route", "shorter", "cheaper", "course-withdrawn", "no-route")
            )
        ),
        required=True,
    )
    course_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        required=True,
        metadata={"description": "the best route's steps now, in time order (empty: none)"},
    )
    months = fields.Float(allow_none=True, required=True)
    months_before = fields.Float(allow_none=True, required=True)
    cost_pence = fields.Integer(strict=True, allow_none=True, required=True)
    cost_before_pence = fields.Integer(strict=True, allow_none=True, required=True)
    course_id = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        metadata={"description": "the course whose change moved the route, when one did"},
    )
