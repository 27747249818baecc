"""Similar-course bodies: the query and the courses with their parts and reasons."""

from marshmallow import Schema, fields, validate


class SimilarQuery(Schema):
    n = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class SimilarCourseSchema(Schema):
    course_id = fields.Integer()
    provider_id = fields.Integer()
    title = fields.String(allow_none=True)
    score = fields.Float(metadata={"description": "0.6 x collaborative + 0.4 x content"})
    collaborative = fields.Float(
        metadata={"description": "the model's similarity as a share of the best neighbour's"}
    )
    content = fields.Float(metadata={"description": "cosine of the two courses' content"})
    shared = fields.List(
        fields.String(), metadata={"description": "features both have (skill:, occupation:...)"}
    )
    reason = fields.String()


class SimilarCoursesSchema(Schema):
    course_id = fields.Integer()
    model_version = fields.String(allow_none=True)
    items = fields.List(fields.Nested(SimilarCourseSchema))
