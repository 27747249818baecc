"""Model version bodies, and the body that asks for a new version to be trained."""

from marshmallow import RAISE, Schema, fields, validate

from services.recommender.ranking.algorithms import DEFAULT_PARAMS, KINDS


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


class TrainBody(Schema):
    """What to train; every field is optional, and an empty body trains the default."""

    class Meta:
        unknown = RAISE  # a misspelt option must not silently train something else

    kind = fields.String(
        load_default=DEFAULT_PARAMS.kind,
        validate=validate.OneOf(KINDS),
        metadata={"description": f"the algorithm: {', '.join(KINDS)}"},
    )
    activate = fields.Boolean(
        load_default=True, metadata={"description": "serve the new version once it is saved"}
    )
