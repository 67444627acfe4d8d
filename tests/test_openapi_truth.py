"""The OpenAPI documents say what the services really answer.

Every JSON success has a schema with properties (not a bare `object`), every refusal points at
a real error body (never FastAPI's unused `HTTPValidationError`), routes with a path id document
404, routes with a body 413; and real answers fit the schemas their documents give.
"""

from __future__ import annotations

import uuid
from typing import Any

import jsonschema_rs
import pytest
import requests

from harness.clients import Platform
from harness.clients.payment import init_message
from harness.stack import Stack
from mocks.core.signing import sign

SERVICES = ("national", "provincial", "payment", "postal", "vneid")
# Success bodies documented without properties, on purpose: none. (A free-form member such as the sync
# gateway's `result` or an error's `details` sits inside a typed body and is not counted here.)
BARE_ALLOWED: set[tuple[str, str, str]] = set()
# Wire formats whose refusals are not the house body: the schema names the route's own envelope.
OWN_ENVELOPES = {"SyncRefusal", "PaymentRefusal", "PostalErrorBody", "OAuthErrorBody", "ConfirmRefusal",
                 "PostalEventRefusal"}


@pytest.fixture(scope="module")
def documents(dvc_stack: Stack) -> dict[str, dict[str, Any]]:
    return {s: requests.get(f"{dvc_stack.urls[s]}/openapi.json", timeout=10).json() for s in SERVICES}


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def is_bare(schema: dict[str, Any]) -> bool:
    return "$ref" not in schema and not schema.get("properties") and schema.get("type") != "string"


@pytest.mark.parametrize("service", SERVICES)
def test_every_json_success_has_a_typed_schema(documents: dict[str, dict[str, Any]], service: str) -> None:
    bare = [f"{m} {p} {status}" for m, p, op in operations(documents[service])
            for status, answer in op["responses"].items() if status.startswith("2")
            for media, body in answer.get("content", {}).items()
            if "json" in media and is_bare(body.get("schema", {})) and (service, m, p) not in BARE_ALLOWED]
    assert not bare, f"success bodies documented as a bare object: {bare}"


@pytest.mark.parametrize("service", SERVICES)
def test_refusals_point_at_a_real_error_body(documents: dict[str, dict[str, Any]], service: str) -> None:
    doc = documents[service]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert "error" in doc["components"]["schemas"]["ErrorBody"]["required"]
    wrong = []
    for m, p, op in operations(doc):
        for status, answer in op["responses"].items():
            if not status.startswith("4") or "content" not in answer:
                continue
            ref = answer["content"]["application/json"]["schema"].get("$ref", "")
            if ref.rsplit("/", 1)[-1] not in {"ErrorBody"} | OWN_ENVELOPES:
                wrong.append(f"{m} {p} {status}: {ref or 'no $ref'}")
    assert not wrong, wrong


@pytest.mark.parametrize("service", SERVICES)
def test_path_ids_document_404_and_bodies_413(documents: dict[str, dict[str, Any]], service: str) -> None:
    missing = []
    for m, p, op in operations(documents[service]):
        if "{" in p and "404" not in op["responses"]:
            missing.append(f"{m} {p}: 404")
        if "requestBody" in op and "413" not in op["responses"]:
            missing.append(f"{m} {p}: 413")
        if p.startswith("/_admin/") and p != "/_admin/health" and "401" not in op["responses"]:
            missing.append(f"{m} {p}: the admin token's 401")
    assert not missing, missing


def test_the_422_is_the_house_error_body(documents: dict[str, dict[str, Any]]) -> None:
    op = documents["provincial"]["paths"]["/api/v1/dossiers/{code}/rating"]["post"]
    assert op["responses"]["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "422" not in documents["national"]["paths"]["/sync/service"]["post"]["responses"]  # answered as 400


def test_log_in_routes_document_their_lock(documents: dict[str, dict[str, Any]]) -> None:
    assert "429" in documents["national"]["paths"]["/api/v1/login"]["post"]["responses"]
    assert "429" in documents["provincial"]["paths"]["/api/v1/officer/login"]["post"]["responses"]


# -- real answers against their documented schemas ---------------------------------------------------
def validate(doc: dict[str, Any], method: str, path: str, response: requests.Response) -> None:
    answer = doc["paths"][path][method.lower()]["responses"][str(response.status_code)]
    schema = answer["content"]["application/json"]["schema"]
    resolver_doc = {"components": doc["components"], **schema}
    jsonschema_rs.Draft202012Validator(resolver_doc).validate(response.json())  # schemathesis's own validator


def test_real_answers_fit_their_schemas(dvc_stack: Stack, documents: dict[str, dict[str, Any]], ns: str) -> None:
    headers = {"X-DVC-Namespace": ns, "X-Admin-Token": dvc_stack.config.credentials.admin_token}
    urls = dvc_stack.urls
    checks = [
        ("national", "GET", "/api/v1/procedures", None),
        ("national", "GET", "/_admin/clock", None),
        ("national", "GET", "/_admin/oidc-clients", None),
        ("national", "GET", "/.well-known/openid-configuration", None),
        ("national", "GET", "/oauth2/jwks", None),
        ("national", "POST", "/sync/login", {"username": "nobody", "password": "wrong"}),
        ("provincial", "GET", "/api/v1/procedures", None),
        ("provincial", "GET", "/api/v1/agencies", None),
        ("provincial", "GET", "/api/v1/me", None),
        ("provincial", "GET", "/api/v1/stats/online-rate", None),
        ("provincial", "POST", "/api/v1/dossiers/{code}/rating", {"rating": 9}),
        ("payment", "GET", "/_admin/partners", None),
        ("postal", "GET", "/_admin/customers", None),
        ("postal", "GET", "/api/orders/{ItemCode}", None),
    ]
    for service, method, path, body in checks:
        url = urls[service] + path.replace("{code}", "NO-SUCH-CODE").replace("{ItemCode}", "EE000000000VN")
        response = requests.request(method, url, json=body, headers=headers, timeout=10)
        assert response.status_code < 500, (path, response.text)
        validate(documents[service], method, path, response)


def test_a_dossier_fits_its_schema(dvc_stack: Stack, documents: dict[str, dict[str, Any]], ns: str) -> None:
    """The richest answers: a procedure's detail and a public look-up, from the portal's own catalogue."""
    headers = {"X-DVC-Namespace": ns}
    base = dvc_stack.urls["provincial"]
    page = requests.get(f"{base}/api/v1/procedures", headers=headers, timeout=10).json()
    code = page["items"][0]["code"]
    detail = requests.get(f"{base}/api/v1/procedures/{code}", headers=headers, timeout=10)
    assert detail.status_code == 200
    validate(documents["provincial"], "GET", "/api/v1/procedures/{code}", detail)


def test_a_wrong_answer_fails_validation(documents: dict[str, dict[str, Any]]) -> None:
    """The check itself bites: a body missing a documented key does not fit."""
    doc = documents["provincial"]
    schema = {"components": doc["components"], "$ref": "#/components/schemas/PublicDossier"}
    with pytest.raises(jsonschema_rs.ValidationError):
        jsonschema_rs.Draft202012Validator(schema).validate({"code": "X"})


def test_a_paid_transaction_and_its_query_fit_their_schemas(dvc_stack: Stack, documents: dict[str, dict[str, Any]],
                                                            ns: str) -> None:
    """The payment platform's numbers (TrangThaiGD, status) are documented as the numbers they are on the wire."""
    platform = Platform.connect(dvc_stack.info, namespace=ns)
    base = dvc_stack.urls["payment"]
    partner = platform.payment.register_partner("DOCTEST1", "Schema test", "http://127.0.0.1:9/confirm",
                                                "http://127.0.0.1:9/return")
    reference = f"REF{uuid.uuid4().hex[:12]}"
    headers = {"X-DVC-Namespace": ns}
    init = requests.post(f"{base}/api/payment", headers=headers, timeout=10,
                         json=init_message("DOCTEST1", partner["secret"], reference, 200_000))
    validate(documents["payment"], "POST", "/api/payment", init)
    platform.payment.checkout(init.json()["UrlThanhToan"])
    query = sign({"LoaiBanTin": "QUERY", "PhienBan": "1.0.6", "MaDoiTac": "DOCTEST1", "MaThamChieu": reference,
                  "ThoiGianGD": "20220110090500"}, "QUERY", partner["secret"])
    answer = requests.post(f"{base}/api/payment", headers=headers, json=query, timeout=10)
    assert answer.json()["TrangThaiGD"] == 1
    validate(documents["payment"], "POST", "/api/payment", answer)
    listing = requests.get(f"{base}/_admin/transactions", params={"reference": reference}, timeout=10,
                           headers={**headers, "X-Admin-Token": dvc_stack.config.credentials.admin_token})
    assert listing.json()["transactions"][0]["status"] == 1
    validate(documents["payment"], "GET", "/_admin/transactions", listing)
