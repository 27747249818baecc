"""Model version bodies."""

from marshmallow import Schema, fields


class ModelVersionSchema(Schema):
    name = fields.String(metadata={"example": "20261127T023000-als-3fa2c1"})
    algorithm = fields.String(metadata={"description": "als, bpr, cosine, bm25-knn, popularity"})
    created_at = fields.String()
    serving = fields.Boolean(metadata={"description": "the version answering recommendations"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    metrics = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": "hold-out nDCG@10 etc. of the model and of popularity"},
    )
    params = fields.Dict()
