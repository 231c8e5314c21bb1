"""``GET /docs``: the node's API documents as a plain page, drawn on the server from the OpenAPI
description the API itself makes (``app.openapi()``), in the reader's language for its headings.

Why not Swagger UI or ReDoc at ``/docs``: their bundles weigh 1.8 MB and 1.1 MB (470 KB and
330 KB gzipped), over the pages' budget of 200 KB and slow on a border post's link, and they
draw nothing without script. This page lists every operation (method, path, what it does,
whether a token is needed, its parameters, its request body and its answers) and every schema
with its fields and their bounds, linked to each other, with no script. The interactive viewers
stay for developers at ``/developer/swagger-ui`` and ``/developer/redoc`` (``start``).

The operations' and fields' descriptions are the API's own words (English, from the code's
docstrings); the page's headings and labels come from the catalogs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cta.entrypoints.web.i18n import N_

__all__ = ["ApiDocument", "Field", "Operation", "Schema", "api_document", "type_of"]

METHODS = ("get", "post", "put", "patch", "delete")
# where a parameter goes, for the catalogs
PLACES = {"path": N_("in the path"), "query": N_("in the query"),
          "header": N_("in a header"), "cookie": N_("in a cookie")}  # fmt: skip
_REF = "#/components/schemas/"


@dataclass(frozen=True)
class Field:
    """A parameter or a schema's property: its type in words, its bounds, what it is."""

    name: str
    type: str
    ref: str | None  # the schema it is (anchor ``schema-NAME``), when it is one
    required: bool
    description: str
    bounds: str
    place: str = ""  # parameters only: a key of ``PLACES``


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    type: str
    ref: str | None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    needs_token: bool
    parameters: list[Field]
    body_type: str | None
    body_ref: str | None
    answers: list[Answer]


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    fields: list[Field]
    values: list[str] = field(default_factory=list)  # an enumeration's values


@dataclass(frozen=True)
class ApiDocument:
    title: str
    version: str
    description: str
    groups: list[tuple[str, list[Operation]]]
    schemas: list[Schema]

    @property
    def operations(self) -> int:
        return sum(len(ops) for _, ops in self.groups)


def api_document(spec: dict[str, Any]) -> ApiDocument:
    """What the page shows of an OpenAPI 3 description: operations grouped by the first part
    of their path after ``/v1/``, in the description's order; schemas by name."""
    groups: dict[str, list[Operation]] = {}
    default_security = bool(spec.get("security"))
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                op = _operation(path, method, item[method], default_security)
                groups.setdefault(_group_of(path), []).append(op)
    schemas = [_schema(name, body) for name, body in
               sorted(spec.get("components", {}).get("schemas", {}).items())]  # fmt: skip
    info = spec.get("info", {})
    return ApiDocument(info.get("title", ""), str(info.get("version", "")),
                       info.get("description", ""), list(groups.items()), schemas)  # fmt: skip


def _group_of(path: str) -> str:
    parts = [p for p in path.split("/") if p and p != "v1"]
    return parts[0] if parts else "/"


def _operation(path: str, method: str, op: dict[str, Any], secured: bool) -> Operation:
    first, _, rest = op.get("description", "").strip().partition("\n\n")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    body_type, body_ref = type_of(body["schema"]) if body else (None, None)
    answers = []
    for status, answer in op.get("responses", {}).items():
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        kind, ref = type_of(schema) if schema else ("", None)
        answers.append(Answer(status, answer.get("description", ""), kind, ref))
    anchor = f"{method}-{re.sub(r'[^a-z0-9]+', '-', path.lower()).strip('-')}"
    return Operation(
        method=method.upper(), path=path, anchor=anchor,
        summary=" ".join(first.split()) or op.get("summary", ""), description=rest.strip(),
        needs_token=bool(op.get("security", [{}] if secured else [])),
        parameters=[_parameter(p) for p in op.get("parameters", [])],
        body_type=body_type, body_ref=body_ref, answers=answers,
    )  # fmt: skip


def _parameter(parameter: dict[str, Any]) -> Field:
    schema = parameter.get("schema", {})
    kind, ref = type_of(schema)
    return Field(parameter["name"], kind, ref, bool(parameter.get("required")),
                 parameter.get("description", schema.get("description", "")), bounds_of(schema),
                 parameter.get("in", ""))  # fmt: skip


def _schema(name: str, body: dict[str, Any]) -> Schema:
    required = set(body.get("required", []))
    fields = []
    for prop, schema in body.get("properties", {}).items():
        kind, ref = type_of(schema)
        fields.append(Field(prop, kind, ref, prop in required, schema.get("description", ""),
                            bounds_of(schema)))  # fmt: skip
    return Schema(name, body.get("description", ""), fields,
                  [str(v) for v in body.get("enum", [])])  # fmt: skip


def type_of(schema: dict[str, Any]) -> tuple[str, str | None]:
    """A schema's type in a few words (``array of string``, ``integer or null``, ``CheckBody``)
    and the named schema it refers to, if any."""
    if "$ref" in schema:
        name = str(schema["$ref"]).removeprefix(_REF)
        return name, name
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            parts = [type_of(s) for s in schema[key]]
            word = " and " if key == "allOf" else " or "
            return word.join(p[0] for p in parts), next((p[1] for p in parts if p[1]), None)
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        inner, ref = type_of(schema.get("items", {}))
        return f"array of {inner}", ref
    if "enum" in schema:
        return f"{kind}: {' | '.join(str(v) for v in schema['enum'])}", None
    if "format" in schema:
        return f"{kind} ({schema['format']})", None
    return str(kind), None


def bounds_of(schema: dict[str, Any]) -> str:
    """The schema's bounds in a few symbols (``1–60 chars``, ``≥ 1``, ``/^[A-Z]+$/``), its
    variants' and items' too."""
    out = []
    for key in ("anyOf", "oneOf"):
        out += [b for b in (bounds_of(s) for s in schema.get(key, [])) if b]
    out += _range(schema, "minLength", "maxLength", " chars")
    out += _range(schema, "minItems", "maxItems", " items")
    out += _range(schema, "minimum", "maximum", "")
    if "pattern" in schema:
        out.append(f"/{schema['pattern']}/")
    if "default" in schema and schema["default"] is not None:
        out.append(f"= {schema['default']}")
    if "items" in schema:
        inner = bounds_of(schema["items"])
        if inner:
            out.append(f"each {inner}")
    return ", ".join(out)


def _range(schema: dict[str, Any], low: str, high: str, unit: str) -> list[str]:
    lo, hi = schema.get(low), schema.get(high)
    lo = int(lo) if isinstance(lo, float) and lo.is_integer() else lo
    hi = int(hi) if isinstance(hi, float) and hi.is_integer() else hi
    if lo is not None and hi is not None:
        return [f"{lo}–{hi}{unit}"]
    if lo is not None:
        return [f"≥ {lo}{unit}"]
    if hi is not None:
        return [f"≤ {hi}{unit}"]
    return []
