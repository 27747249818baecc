"""/providers: the organisations that offer courses."""

from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.catalogue import courses
from services.catalogue.models import Provider
from services.catalogue.resources.providers.schemas import ProviderSchema
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("providers", __name__, url_prefix="/providers", description="Course providers")


@blp.route("")
class Providers(MethodView):
    @blp.response(200, ProviderSchema(many=True))
    def get(self) -> list:
        """List providers"""
        return list(db_session().scalars(select(Provider).order_by(Provider.id)))

    @blp.arguments(ProviderSchema)
    @blp.response(201, ProviderSchema)
    def post(self, body: dict) -> object:
        """Register a provider"""
        session = db_session()
        try:
            provider = courses.add_provider(session, **body)
            session.commit()
        except IntegrityError:
            session.rollback()
            abort(409, errors={"json": {"key": ["a provider with this key or UKPRN exists"]}})
        return provider
