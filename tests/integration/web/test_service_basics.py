"""Every service: health probes, OpenAPI document and docs page, problem+json for every error."""

from __future__ import annotations

import pytest

from services import SERVICE_NAMES
from tests.integration.web.conftest import make_app


@pytest.fixture(params=SERVICE_NAMES)
def client(request, tmp_path, redis_url, redis_client):
    app = make_app(request.param, f"sqlite:///{tmp_path / 'db.sqlite3'}", redis_url)
    yield app.test_client()
    app.extensions["routeways.db"].dispose()


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_readyz_answers_200_when_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_answers_503_problem_naming_redis_when_redis_is_down(tmp_path):
    from shared.embedded_redis import free_port

    app = make_app(
        "catalogue", f"sqlite:///{tmp_path / 'c.sqlite3'}", f"redis://127.0.0.1:{free_port()}/0"
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("failed: ConnectionError")


def test_openapi_document_is_openapi_3_and_lists_health(client):
    document = client.get("/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"/healthz", "/readyz"} <= set(document["paths"])


def test_interactive_docs_load_swagger_ui_from_the_service_itself(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert b"/docs-assets/swagger-ui-bundle.js" in page.data
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_unknown_path_is_a_404_problem(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
    assert response.json["title"] == "Not Found"


def test_wrong_method_is_a_405_problem_with_allow_header(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_correlation_id_is_echoed_or_made(client):
    assert (
        client.get("/healthz", headers={"X-Correlation-ID": "abc-1"}).headers["X-Correlation-ID"]
        == "abc-1"
    )
    assert len(client.get("/healthz").headers["X-Correlation-ID"]) == 36


def test_body_over_the_size_cap_is_a_413_problem(tmp_path, redis_url):
    from services.profile import create_app
    from tests.conftest import migrated

    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    migrated("profile", url).dispose()
    app = create_app({"database_url": url, "redis_url": redis_url, "max_body_bytes": 1024})
    response = app.test_client().post("/learners", json={"name": "x" * 4096})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
