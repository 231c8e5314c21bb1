"""The API documents page's reading of an OpenAPI description (``api_docs``) and the static
files' choice of gzip (``static_files.accepts_gzip``): pure functions, no server."""

from __future__ import annotations

from typing import Any

import pytest

from cta.entrypoints.web.api_docs import api_document, bounds_of, type_of
from cta.entrypoints.web.static_files import accepts_gzip

SPEC: dict[str, Any] = {
    "info": {"title": "CTA node GEO", "version": "1"},
    "paths": {
        "/v1/health": {"get": {"description": "Whether the node is up.",
                               "responses": {"200": {"description": "ok"}}}},
        "/v1/checks": {"post": {
            "description": "Decide a border check.\n\nStores only an audit entry.",
            "security": [{"HTTPBearer": []}],
            "parameters": [{"name": "X-Purpose", "in": "header", "required": True,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "why"}],
            "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/CheckBody"}}}},
            "responses": {"422": {"description": "Validation Error", "content": {
                "application/json": {"schema": {
                    "$ref": "#/components/schemas/HTTPValidationError"}}}}}}},
    },
    "components": {"schemas": {
        "CheckBody": {"required": ["mrz"], "properties": {
            "mrz": {"type": "array", "items": {"type": "string", "maxLength": 60},
                    "minItems": 2, "maxItems": 3},
            "person_id": {"anyOf": [{"type": "integer", "minimum": 1.0}, {"type": "null"}],
                          "description": "a person the officer confirmed"}}},
        "Direction": {"type": "string", "enum": ["entry", "exit"]},
    }},
}  # fmt: skip


def test_every_operation_is_read_with_its_token_parameters_body_and_answers() -> None:
    doc = api_document(SPEC)
    assert [name for name, _ in doc.groups] == ["health", "checks"]
    assert doc.operations == 2
    [health], [check] = (ops for _, ops in doc.groups)
    assert (health.method, health.anchor, health.needs_token) == ("GET", "get-v1-health", False)
    assert check.summary == "Decide a border check." and check.description.startswith("Stores")
    assert check.needs_token and (check.body_type, check.body_ref) == ("CheckBody", "CheckBody")
    [purpose] = check.parameters
    assert (purpose.name, purpose.place, purpose.required, purpose.bounds) == (
        "X-Purpose", "header", True, "≤ 200 chars")
    assert [(a.status, a.ref) for a in check.answers] == [("422", "HTTPValidationError")]


def test_schemas_are_read_with_their_fields_bounds_and_values() -> None:
    body, direction = api_document(SPEC).schemas
    assert body.name == "CheckBody" and direction.values == ["entry", "exit"]
    mrz, person = body.fields
    assert (mrz.type, mrz.required, mrz.bounds) == ("array of string", True,
                                                    "2–3 items, each ≤ 60 chars")  # fmt: skip
    assert (person.type, person.required, person.bounds) == ("integer or null", False, "≥ 1")


@pytest.mark.parametrize(("schema", "words"), [
    ({"type": "string", "format": "date"}, "string (date)"),
    ({"type": "string", "enum": ["admit", "refuse"]}, "string: admit | refuse"),
    ({"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}, "array of Hit"),
    ({}, "any"),
])  # fmt: skip
def test_a_type_in_a_few_words(schema: dict[str, Any], words: str) -> None:
    assert type_of(schema)[0] == words


def test_bounds_with_a_pattern_and_a_default() -> None:
    assert bounds_of({"minLength": 3, "maxLength": 40, "pattern": "^[A-Z]+$",
                      "default": "GEO"}) == "3–40 chars, /^[A-Z]+$/, = GEO"  # fmt: skip


@pytest.mark.parametrize(("header", "gzip"), [
    ("gzip, deflate, br, zstd", True), ("br;q=1.0, gzip;q=0.5", True), ("*", True),
    ("", False), ("identity", False), ("gzip;q=0", False), ("*, gzip;q=0", False),
    ("deflate, br", False), ("GZIP", True), ("gzip;q=nonsense", False),
])  # fmt: skip
def test_gzip_is_chosen_only_when_the_client_accepts_it(header: str, gzip: bool) -> None:
    assert accepts_gzip(header) is gzip
