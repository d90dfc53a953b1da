"""Hostile JSON on every JSON operation of the OpenAPI document: a 4xx JSON error, never a 5xx.

Deep nesting (``RecursionError`` in the decoder) and lone surrogates (valid JSON that no
UTF-8 encoder, hasher or database takes) are refused before any view; the sweep below puts
a surrogate into every string field of every request body the document describes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

SURROGATE = "\ud800a"
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


def json_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, concrete path, body schema) of every operation taking a JSON body."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                concrete = re.sub(r"{\w+}", "1", path)
                found.append((method, concrete, content["application/json"]["schema"]))
    return found


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def sample(spec: dict[str, Any], schema: dict[str, Any], poison: str | None, at: str = "") -> Any:
    """A body for ``schema``: plausible values, with ``poison`` in the string field ``poison``
    names (``"*"``: in every string field)."""
    schema = resolve(spec, schema)
    kind = schema.get("type")
    if "oneOf" in schema or "anyOf" in schema:
        kind = "string"  # e.g. a quantity: a number or a numeric string
    if kind == "object" or "properties" in schema:
        return {
            name: sample(spec, sub, poison, f"{at}.{name}")
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [sample(spec, schema.get("items", {}), poison, f"{at}[]")]
    if kind == "string":
        return SURROGATE if poison in ("*", at) else "kim_chef"
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return 1
    return "x"


def string_fields(spec: dict[str, Any], schema: dict[str, Any], at: str = "") -> list[str]:
    schema = resolve(spec, schema)
    if "oneOf" in schema or "anyOf" in schema or schema.get("type") == "string":
        return [at]
    if schema.get("type") == "array":
        return string_fields(spec, schema.get("items", {}), f"{at}[]")
    fields = []
    for name, sub in schema.get("properties", {}).items():
        fields += string_fields(spec, sub, f"{at}.{name}")
    return fields


def assert_refused(response, where: str) -> None:
    assert 400 <= response.status_code < 500, (where, response.status_code, response.data[:300])
    assert response.is_json, where
    assert response.get_json()["result"] == "failed", where


def test_a_surrogate_in_every_string_field_is_refused(client, spec, join):
    member = join("fuzz_cook")
    operations = json_operations(spec)
    assert len(operations) >= 20
    sent = 0
    for method, path, schema in operations:
        for field in [*string_fields(spec, schema), "*"]:
            body = sample(spec, schema, field)
            response = client.open(path, method=method.upper(), json=body, headers=member.headers)
            assert_refused(response, f"{method.upper()} {path} {field}")
            sent += 1
    assert sent >= 50


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/members/login", {"username": SURROGATE, "password": "correct horse battery"}),
        ("/members/login", {"username": "kim_chef", "password": SURROGATE}),
        ("/members/forms", {"username": "kim2", "password": SURROGATE, "email": "k@x.org"}),
        ("/members/login/mfa", {"challenge": SURROGATE, "code": "123456"}),
    ],
)
def test_the_reported_surrogates_are_422(client, path, body):
    response = client.post(path, json=body)
    assert response.status_code == 422, response.data[:300]
    assert response.get_json()["code"] == "validation_error"


def test_deep_nesting_on_every_json_operation_is_422(client, spec, join):
    member = join("deep_cook")
    for method, path, _ in json_operations(spec):
        response = client.open(
            path,
            method=method.upper(),
            data=DEEP,
            content_type="application/json",
            headers=member.headers,
        )
        assert response.status_code == 422, (method, path, response.data[:300])
        assert response.get_json()["code"] == "validation_error"


def test_deep_nesting_inside_an_object_is_422(client):
    body = '{"username": ' + "[" * 40 + "]" * 40 + ', "password": "x"}'
    response = client.post("/members/login", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["fields"]["body"] == ["JSON nested deeper than 32 levels"]


# --- PUT /posts/forms/{post_id}: as strict as POST about what it changes ------------------


@pytest.fixture
def recipe(client, join, catalogue):
    member = join("put_cook")
    line = {"id": catalogue["김치"], "quantity": 1}
    body = {"post": {"title": "김치찌개"}, "ingredients": [line]}
    response = client.post("/posts/forms", json=body, headers=member.headers)
    return member, response.get_json()["post_id"], catalogue


def test_put_without_quantity_is_422_like_post(client, recipe):
    member, post_id, catalogue = recipe
    body = {"post": {"title": "t"}, "ingredients": [{"id": catalogue["김치"]}]}
    for method, path in (("POST", "/posts/forms"), ("PUT", f"/posts/forms/{post_id}")):
        response = client.open(path, method=method, json=body, headers=member.headers)
        assert response.status_code == 422, (method, response.data[:300])
        assert "ingredients" in response.get_json()["fields"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (None, None),
        ("", "application/json"),
        ("{}", "application/json"),
        ("post=x", "application/x-www-form-urlencoded"),
        ('{"post": {"title": "text"}}', "text/plain"),
    ],
)
def test_put_with_nothing_to_change_is_refused(client, recipe, data, content_type):
    member, post_id, _ = recipe
    response = client.put(
        f"/posts/forms/{post_id}", data=data, content_type=content_type, headers=member.headers
    )
    assert response.status_code in (400, 415, 422), response.data[:300]
    assert response.get_json()["result"] == "failed"
    assert client.get(f"/posts/{post_id}").get_json()["post"]["title"] == "김치찌개"


@pytest.mark.parametrize("control", ["\x01", "\x1b", "\x0c", "\uffff"])
def test_control_characters_in_recipe_text_are_422(client, recipe, control):
    # Found by the schemathesis run: a title with U+0001 made the member's PDF report 500
    # (XML 1.0, hence the SVG charts, cannot carry C0 controls).
    member, post_id, _ = recipe
    body = {"post": {"title": f"김치{control}찌개"}}
    response = client.put(f"/posts/forms/{post_id}", json=body, headers=member.headers)
    assert response.status_code == 422
    assert "post" in response.get_json()["fields"]
    comment = client.post(
        f"/posts/{post_id}/comments", json={"content": f"a{control}b"}, headers=member.headers
    )
    assert comment.status_code == 422
    tab = client.put(
        f"/posts/forms/{post_id}", json={"post": {"content": "a\tb\r\nc"}}, headers=member.headers
    )
    assert tab.status_code == 200  # tab, CR and LF are text
