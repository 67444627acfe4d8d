"""Delivers tracking events to the customer's webhook (outbox kind `postal.event`).

One message per event, keyed by the waybill so one order's events arrive in order. The
customer acknowledges with any 2xx; anything else (an error status, a refused
connection, a time-out) leaves the message pending and the outbox retries it. The
address is the customer's as registered when the message is sent, so a portal that
re-registers its webhook (or a stack restarted on other ports) still gets what is queued.
"""

from __future__ import annotations

import requests

from mocks.core.namespace import forward_headers
from mocks.core.outbox import OutboxMessage

from .model import PostalService

TIMEOUT = (3.05, 10.0)   # (connect, read) seconds


class WebhookRejected(RuntimeError):
    """The customer's webhook answered, but not with a 2xx."""


class WebhookSender:
    def __init__(self, model: PostalService, session: requests.Session | None = None) -> None:
        self.model = model
        self.http = session or requests.Session()

    def __call__(self, message: OutboxMessage) -> None:
        target = self.model.webhook_target(message.payload["customer_code"])
        if target is None:
            return  # the customer no longer has a webhook: nothing to deliver
        url, access_token = target
        # The customer's own access_token lets it check that the call comes from the post.
        headers = {**forward_headers(message.ns), "access_token": access_token}
        # A redirect is no acknowledgement (following it would turn the POST into a GET).
        answer = self.http.post(url, json=message.payload["event"], headers=headers, timeout=TIMEOUT,
                                allow_redirects=False)
        if not 200 <= answer.status_code < 300:
            raise WebhookRejected(f"{url} answered HTTP {answer.status_code}: {answer.text[:200]}")
