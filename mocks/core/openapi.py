"""Each service's OpenAPI document, told true: the error body it really answers, the 4xx each route can answer.

FastAPI documents a 422 `HTTPValidationError` that no route answers (the app factory turns validation
errors into the house `{"error": ...}` body) and no other refusal. This generator post-processes
FastAPI's document:

- every refusal points at the house `ErrorBody`, or at the route's own wire format when the route
  documents one 4xx itself (`MaLoi` of payment, `Status` of postal, `error_code` of sync, OAuth's `error`);
- each route gets the statuses it can answer, derived from what it takes: 400 (a rule refuses a value;
  every route reads at least the namespace header), 404 (a path id), 413 (a body: the core's body limit),
  422 (FastAPI validated its inputs), 403 (a form carrying the CSRF token), and the statuses its
  dependencies declare (`refuses`, e.g. 401 for the admin token); a route documents the rest itself
  (409, 429, a log-in's 401);
- a success model given in `responses` (which, unlike `response_model`, does not filter the answer)
  replaces the schema FastAPI inferred from the return annotation.

Routes declared in files that do not document them may be documented by the service's `schemas`
module: `ROUTES = {("POST", "/oauth2/token"): {200: {"model": Tokens}, 400: {...}}}` (`documented_elsewhere`).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

REF = "#/components/schemas/{model}"
F = TypeVar("F", bound=Callable[..., Any])

# Why each derived status happens, as the document says it.
REASONS: dict[int, str] = {
    400: "Bad input: a rule refuses a value, malformed JSON, an invalid X-DVC-Namespace",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found (the path names nothing)",
    409: "Not in a state that allows this",
    413: "The request body is larger than the route's limit (docs/limits.md)",
    422: "The request does not fit the schema (VALIDATION_ERROR, `details` lists `{field, problem}`)",
    429: "Too many attempts: locked for a while (Retry-After)",
}
# A route maps a status to this to say it never answers it (e.g. validation errors answered as 400).
NOT_ANSWERED: dict[str, Any] = {"description": "x-not-answered"}


class ErrorDetail(BaseModel):
    code: str = Field(description="machine code, e.g. VALIDATION_ERROR, DOSSIER_NOT_FOUND")
    message: str = Field(description="`message_vi / message_en`")
    message_vi: str
    message_en: str
    details: Any = Field(None, description="present on some errors: e.g. the `{field, problem}` list of a 422")


class ErrorBody(BaseModel):
    """The house error body of every service."""

    error: ErrorDetail


def refuses(*statuses: int) -> Callable[[F], F]:
    """Mark a dependency with the statuses it answers (documented on every route that uses it)."""

    def mark(fn: F) -> F:
        fn.__dict__["openapi_refusals"] = tuple(statuses)
        return fn

    return mark


def success(model: type[BaseModel], status: int = 200, description: str = "Success") -> dict[int | str, Any]:
    """`responses=` documenting a JSON success body without filtering what the route returns."""
    return {status: {"model": model, "description": description}}


def content(media_type: str, description: str, status: int = 200, binary: bool = False) -> dict[int | str, Any]:
    """`responses=` of a route answering a file or text, not JSON."""
    schema = {"type": "string", "format": "binary"} if binary else {"type": "string"}
    return {status: {"description": description, "content": {media_type: {"schema": schema}}}}


def install(app: FastAPI, service: str) -> None:
    """Serve the post-processed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app, documented_elsewhere(service))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def documented_elsewhere(service: str) -> dict[tuple[str, str], dict[int | str, Any]]:
    """The `ROUTES` of `mocks.<service>.schemas`, if the service has them."""
    try:
        module = importlib.import_module(f"mocks.{service}.schemas")
    except ModuleNotFoundError:
        return {}
    return dict(getattr(module, "ROUTES", {}))


def document(app: FastAPI, extra: dict[tuple[str, str], dict[int | str, Any]] | None = None) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["ErrorBody"] = _component(ErrorBody, schemas)
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in sorted(route.methods or ()):
            operation = doc["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            declared = dict(route.responses)
            if extra and (method, route.path_format) in extra:
                declared = {**extra[(method, route.path_format)], **declared}
                _document_elsewhere(operation, extra[(method, route.path_format)], schemas)
            _true_responses(route, declared, operation)
    return doc


def _component(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """The model's schema for components (its nested models added there too)."""
    schema = model.model_json_schema(ref_template=REF, mode="serialization")
    schemas.update(schema.pop("$defs", {}))
    return schema


def _document_elsewhere(operation: dict[str, Any], answers: dict[int | str, Any], schemas: dict[str, Any]) -> None:
    """Answers of a route declared in a file that could not document it (a service's `schemas.ROUTES`)."""
    responses = operation.setdefault("responses", {})
    for status, answer in answers.items():
        documented = {k: v for k, v in answer.items() if k != "model"}
        model = answer.get("model")
        if model is not None:
            schemas[model.__name__] = _component(model, schemas)
            documented["content"] = {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}
        documented.setdefault("description", REASONS.get(int(status), "Success"))
        responses[str(status)] = documented


def _true_responses(route: Any, declared: dict[int | str, Any], operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    envelope = _own_envelope(declared, responses)
    for status in sorted(_derived_statuses(route, responses)):
        answer = responses.setdefault(str(status), {"description": REASONS.get(status, "Refused")})
        if answer.get("description") == NOT_ANSWERED["description"]:
            continue
        answer["content"] = {"application/json": {"schema": envelope}}
        if answer.get("description") == "Validation Error":
            answer["description"] = REASONS[422]
    for status in [s for s, a in responses.items() if a.get("description") == NOT_ANSWERED["description"]]:
        del responses[status]
    for status, answer in responses.items():
        if status.startswith("2"):
            for media in answer.get("content", {}).values():
                schema = media.get("schema", {})
                if "$ref" in schema:  # a documented model wins over the one inferred from the return annotation
                    media["schema"] = {"$ref": schema["$ref"]}


def _own_envelope(declared: dict[int | str, Any], responses: dict[str, Any]) -> dict[str, Any]:
    """The schema of the route's own documented refusal (its wire format), else the house error body."""
    for status in sorted(declared, key=str):
        answer = declared[status]
        if str(status).startswith("4") and isinstance(answer, dict) and answer.get("model") is not None:
            return responses[str(status)]["content"]["application/json"]["schema"]
    return {"$ref": REF.format(model="ErrorBody")}


def _derived_statuses(route: Any, responses: dict[str, Any]) -> set[int]:
    dependant = route.dependant
    statuses = {int(s) for s in responses if s.isdigit() and 400 <= int(s) < 500}
    params = list(_params(dependant))
    if params or route.body_field is not None or route.openapi_extra:
        statuses.add(400)
    if dependant.path_params or any(p.field_info.__class__.__name__ == "Path" for p in params):
        statuses.add(404)
    if route.body_field is not None or "requestBody" in (route.openapi_extra or {}):
        statuses.add(413)
    if "csrf_token" in json.dumps(route.openapi_extra or {}) or any(p.name == "csrf_token" for p in
                                                                    dependant.body_params):
        statuses.add(403)  # a form with the core's CSRF token: a missing or stale one is CSRF_FAILED
    statuses.update(_dependency_refusals(dependant))
    return statuses


def _params(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.header_params
    yield from dependant.cookie_params
    for sub in dependant.dependencies:
        yield from _params(sub)


def _dependency_refusals(dependant: Dependant) -> set[int]:
    found: set[int] = set()
    for sub in dependant.dependencies:
        found.update(getattr(sub.call, "openapi_refusals", ()))
        found.update(_dependency_refusals(sub))
    return found


__all__ = ["NOT_ANSWERED", "ErrorBody", "ErrorDetail", "content", "install", "refuses", "success"]
