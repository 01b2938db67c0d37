"""A server-rendered page describing the API, made from the generated schema.

django-ninja's own docs page loads Swagger UI with inline script (and from a
CDN unless configured otherwise), which our Content Security Policy forbids;
this page lists the same operations without any script.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .api import api

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else schema.get("type", "")


def operations(schema: dict) -> list[dict]:
    """One row per operation: method, path, summary, parameters, body, answers."""
    rows = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body: dict[str, dict] = op.get("requestBody", {}).get("content", {})
            body_schema = next(iter(body.values()), {}).get("schema", {})
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        f"{p['name']} ({p['in']})" for p in op.get("parameters", [])
                    ],
                    "body": _ref_name(body_schema) if body_schema else "",
                    "responses": sorted(op.get("responses", {})),
                    "anchor": op.get("operationId", f"{method}-{path}"),
                }
            )
    return rows


def schemas(schema: dict) -> list[dict]:
    """Each component schema as a name and rows of (field, type, required, about)."""
    found = []
    for name, spec in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(spec.get("required", []))
        fields = [
            {
                "name": field,
                "type": _type_name(about),
                "required": field in required,
                "description": about.get("description", ""),
            }
            for field, about in spec.get("properties", {}).items()
        ]
        found.append({"name": name, "fields": fields})
    return found


def _type_name(about: dict) -> str:
    if "anyOf" in about:
        return " or ".join(_type_name(option) for option in about["anyOf"])
    if about.get("type") == "array":
        return f"list of {_type_name(about.get('items', {}))}"
    return _ref_name(about) or "any"


@require_safe
def docs(request):
    prefix = reverse("timepolls:api:api-root")
    schema = api.get_openapi_schema(path_prefix=prefix.rstrip("/"))
    ctx = {
        "info": schema.get("info", {}),
        "operations": operations(schema),
        "schemas": schemas(schema),
        "openapi_url": reverse("timepolls:api:openapi-json"),
    }
    return render(request, "timepolls/api_docs.html", ctx)
