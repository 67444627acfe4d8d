import pytest
import requests

from mocks.core.urls import is_absolute_http_url


@pytest.mark.parametrize("url, ok", [
    ("https://portal.test/cb", True), ("http://127.0.0.1:8101/api/payment/confirm", True),
    ("https://[::1]:8080/x", True), ("ftp://portal.test/", False), ("/relative", False), ("https://", False),
    ("https://[bad", False), ("https://\ud9b7\udf90x/", True), ("x" * 2001, False), (None, False), (42, False),
])
def test_absolute_http_urls(url: object, ok: bool) -> None:
    assert is_absolute_http_url(url) is ok


def test_fragments_can_be_refused() -> None:
    assert not is_absolute_http_url("https://portal.test/cb#x", fragment_allowed=False)


@pytest.mark.parametrize("service, path, body", [
    ("payment", "/_admin/partners", {"code": "P1", "name": "x", "callback_url": "https://[bad", "return_url": "https://a/"}),
    ("postal", "/_admin/customers", {"customer_code": "C1", "name": "x", "webhook_url": "https://[bad"}),
    ("national", "/_admin/oidc-clients", {"name": "x", "redirect_uris": ["https://[bad/cb"]}),
])
def test_a_malformed_host_is_a_4xx_not_a_crash(dvc_stack, ns: str, service: str, path: str, body: dict) -> None:
    r = requests.post(f"{dvc_stack.urls[service]}{path}", json=body, timeout=10,
                      headers={"X-Admin-Token": dvc_stack.config.credentials.admin_token, "X-DVC-Namespace": ns})
    assert 400 <= r.status_code < 500, r.text
