"""The OpenAPI document covers SPEC §4, and /api/docs loads only assets the app serves itself."""

from __future__ import annotations

import re
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest

from munjigi import create_app
from munjigi.config import Settings

# Every path × method of the SPEC §4 table, in OpenAPI's path syntax.
SPEC_ROWS = {
    ("/members/forms", "post"),
    ("/members/validation", "post"),
    ("/members/login", "post"),
    ("/members/logout", "post"),
    ("/members/tokens", "get"),
    ("/members/tokens", "post"),
    ("/members/{user_id}", "delete"),
    ("/posts", "get"),
    ("/posts/", "get"),
    ("/posts/{post_id}", "get"),
    ("/posts/{post_id}", "delete"),
    ("/posts/forms", "post"),
    ("/posts/forms/ingredients", "get"),
    ("/posts/forms/{post_id}", "get"),
    ("/posts/forms/{post_id}", "put"),
    ("/posts/{post_id}/likes", "post"),
    ("/posts/{post_id}/likes", "delete"),
    ("/posts/{post_id}/comments", "post"),
    ("/posts/comments/{comment_id}/likes", "post"),
    ("/posts/comments/likes", "post"),
    ("/posts/comments/{comment_id}", "put"),
    ("/posts/comments/{comment_id}", "delete"),
}


@pytest.fixture
def client(tmp_path):
    # The spec and the docs never touch the database: one app, not one per backend.
    settings = Settings.for_testing(database_url="sqlite://", instance_path=str(tmp_path))
    return create_app(settings).test_client()


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_spec_is_openapi_3_and_covers_every_spec_row(spec):
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert SPEC_ROWS <= documented


def test_spec_documents_the_error_body_and_auth(spec):
    create = spec["paths"]["/posts/forms"]["post"]
    assert {"200", "401", "422"} <= set(create["responses"])
    error = create["responses"]["422"]["content"]["application/json"]["schema"]
    name = error["$ref"].rsplit("/", 1)[-1]
    assert spec["components"]["schemas"][name]["required"] == ["result", "message", "code"]
    assert create["security"] == [{"BearerAuth": []}, {"CookieAuth": []}]
    delete = spec["paths"]["/posts/{post_id}"]["delete"]
    assert {"401", "403", "404"} <= set(delete["responses"])
    like = spec["paths"]["/posts/comments/likes"]["post"]
    assert {"400", "401", "404", "422"} <= set(like["responses"])


def test_spec_links_created_resources_to_their_operations(spec):
    links = spec["paths"]["/posts/forms"]["post"]["responses"]["200"]["links"]
    assert links["GetPost"] == {
        "operationId": "get_post",
        "parameters": {"post_id": "$response.body#/post_id"},
    }
    operation_ids = {op.get("operationId") for ops in spec["paths"].values() for op in ops.values()}
    for link in links.values():
        assert link["operationId"] in operation_ids


def test_docs_page_uses_only_local_assets_that_load(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    urls += re.findall(r'url:\s*"([^"]+)"', page)
    assert len(urls) >= 4  # css, favicon, two scripts, the spec
    base = "http://localhost/api/docs"
    for url in urls:
        absolute = urlsplit(urljoin(base, url))
        assert absolute.netloc == "localhost", f"{url} is not served by the app"
        with client.get(absolute.path) as asset:  # files are streamed: close them
            assert asset.status_code == 200, url
            assert asset.data
    assert "cdn" not in page.lower()


def test_swagger_ui_assets_have_the_right_types(client):
    with client.get("/api/docs/assets/swagger-ui.css") as css:
        assert css.mimetype == "text/css"
    with client.get("/api/docs/assets/swagger-ui-bundle.js") as bundle:
        assert bundle.mimetype in ("text/javascript", "application/javascript")
        assert b"SwaggerUIBundle" in bundle.data


def test_asset_route_serves_nothing_outside_the_package(client):
    assert client.get("/api/docs/assets/../../__init__.py").status_code == 404
    assert client.get("/api/docs/assets/missing.js").status_code == 404


def test_the_document_passes_openapi_spec_validator(spec):
    from openapi_spec_validator import validate

    validate(spec)  # raises on any error (duplicate operationIds included)


def operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_has_a_unique_id_and_required_bodies(spec):
    ids = [operation.get("operationId") for _, _, operation in operations(spec)]
    assert None not in ids
    assert len(ids) == len(set(ids))
    assert spec["paths"]["/posts"]["get"]["operationId"] == "list_posts"
    for path, method, operation in operations(spec):
        if "requestBody" in operation:
            assert operation["requestBody"].get("required") is True, (method, path)


def test_statuses_and_content_types_of_the_operational_endpoints(spec):
    ready = spec["paths"]["/readyz"]["get"]["responses"]
    assert {"200", "503"} <= set(ready)
    assert "application/json" in ready["200"]["content"]
    jwks = spec["paths"]["/.well-known/jwks.json"]["get"]["responses"]["200"]["content"]
    assert list(jwks) == ["application/jwk-set+json"]
    metrics = spec["paths"]["/metrics"]["get"]["responses"]
    assert list(metrics["200"]["content"]) == ["text/plain"]
    assert "401" in metrics
