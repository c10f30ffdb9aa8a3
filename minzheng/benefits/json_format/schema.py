"""The JSON Schema of the request (API documentation), from the same ``Shape`` tables as the reader."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from minzheng.benefits.json_format.shapes import REQUEST, Field, Shape


def request_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12, as used by OpenAPI 3.1) of the request, from the same tables as the reader."""
    return _shape_schema(REQUEST)


def _shape_schema(shape: Shape) -> dict[str, Any]:
    defaults = shape.defaults()
    properties = {}
    for spec in shape.fields:
        schema = _field_schema(spec)
        if spec.name in defaults and not spec.required:
            schema["default"] = _json_default(defaults[spec.name])
        properties[spec.name] = schema
    return {
        "type": "object",
        "title": shape.label,
        "properties": properties,
        "required": [f.name for f in shape.fields if f.required],
        "additionalProperties": False,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple | frozenset):
        return sorted(value)
    return str(value) if isinstance(value, Decimal) else value


def _field_schema(spec: Field) -> dict[str, Any]:
    schema: dict[str, Any]
    if spec.kind == "text":
        schema = {"type": "string"}
    elif spec.kind == "code":
        schema = {"type": "string", "enum": list(spec.choices)}
    elif spec.kind == "date":
        schema = {"type": "string", "format": "date"}
    elif spec.kind == "money":
        schema = {"anyOf": [{"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"}, {"type": "number"}]}
    elif spec.kind in ("boolean", "integer"):
        schema = {"type": spec.kind}
    elif spec.kind == "object":
        assert isinstance(spec.item, Shape)
        schema = _shape_schema(spec.item)
    else:
        item = spec.item
        items = _field_schema(item) if isinstance(item, Field) else _shape_schema(item)  # type: ignore[arg-type]
        schema = {"type": "array", "items": items}
    if spec.nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    description = "；".join(part for part in (spec.label, spec.description) if part)
    return {"description": description, **schema}
