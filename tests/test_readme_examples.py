"""The examples the README shows, run as they are written there."""

from __future__ import annotations

from typing import Any


# README: "Writing a fault test" (keep the two copies the same)
def test_a_lost_confirmation_is_recovered_by_query(dvc_platform: Any, dvc_citizen: Any, dvc_faults: Any,
                                                   dvc_journal: Any) -> None:
    # the payment platform never sends its confirmation to the portal
    dvc_faults.outgoing("payment", "payment.confirm", "never_send")
    portal = dvc_platform.provincial
    portal.log_in(dvc_citizen, dvc_platform.vneid)     # through VNeID, approved in its app (today's world)
    dossier = portal.submit("2.000488", payment_method="online")      # judicial record, 200.000 đ online
    payment = portal.start_payment(dossier["code"])
    back = dvc_platform.payment.checkout(payment["payment_url"], bank="VCB")
    assert portal.dossier(dossier["code"])["payment"]["status"] != "paid"   # nobody told the portal yet
    portal.request("GET", back["return_url"])                               # the citizen comes back: QUERY
    assert portal.dossier(dossier["code"])["payment"]["status"] == "paid"
    dvc_journal.verify("payment", count=0, direction="out", url_contains="/api/payment/confirm")
