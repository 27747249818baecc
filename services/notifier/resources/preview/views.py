"""/preview/<learner_id>: the learner's next digest as its HTML part, composed now from the
recommender and catalogue as a send would, and sent to nobody (admin token).

The preview never asks the profile service (no address or name is needed to show content), and
its links are signed with a throwaway key, so pressing one in a preview acts for nobody.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import date

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import abort

from services.notifier import digest_sources, digests, email_links, messages
from services.notifier.resources.preview.schemas import PreviewQuery
from shared.web.blueprint import Blueprint

blp = Blueprint("preview", __name__, url_prefix="/preview", description="Digest preview")


@blp.route("/<int:learner_id>")
class DigestPreview(MethodView):
    @blp.admin_required
    @blp.arguments(PreviewQuery, location="query")
    @blp.response(200, description="The digest's HTML part", content_type="text/html")
    def get(self, query: dict, learner_id: int) -> Response:
        """Render a learner's next digest without sending it"""
        settings = current_app.extensions["routeways.settings"]
        kind = query["kind"]
        today = date.today()
        period = "preview" if kind == "alert" else digests.period_of(kind, today)
        sources = digest_sources.DigestSources.from_settings(settings)
        try:
            inputs = sources.gather(learner_id)
        except digest_sources.UnknownLearner as error:
            abort(404, message=str(error))
        except digest_sources.SourceUnavailable as error:
            current_app.logger.warning("preview: %s", error)
            abort(502, message="the recommender or the catalogue did not answer; try again")
        finally:
            sources.close()
        digest = digests.compose(
            learner_id, kind, period, inputs.suggestions, inputs.routes, inputs.courses, today=today
        )
        inert = dataclasses.replace(settings, secret_key=f"preview-{secrets.token_hex(16)}")
        contact = digests.Contact(learner_id, "", "", True, None if kind == "alert" else kind)
        rendered = messages.render(digest, contact, email_links.digest_links(digest, inert))
        response = Response(rendered.html, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Digest-Id"] = digest.digest_id
        return response
