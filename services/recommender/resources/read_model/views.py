"""/read-model: how much of the catalogue and the learners the recommender has heard of."""

from flask.views import MethodView

from services.recommender import read_model
from services.recommender.resources.read_model.schemas import ReadModelSchema
from shared.web import db_read_session
from shared.web.blueprint import Blueprint

blp = Blueprint("read_model", __name__, url_prefix="/read-model", description="Read model status")


@blp.route("")
class ReadModel(MethodView):
    @blp.response(200, ReadModelSchema)
    def get(self) -> dict:
        """Count what the read model holds"""
        return read_model.counts(db_read_session())
