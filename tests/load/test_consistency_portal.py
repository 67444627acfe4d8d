"""The load's consistency check on an outside portal: its records read through its back office
(scenarios.portal.PortalBackOffice.dossier), compared with what the visitors were told."""

from __future__ import annotations

from typing import Any

from load import consistency
from scenarios.portal import DossierRecord

NOWHERE = {"payment": "http://127.0.0.1:9"}   # the payment platform is asked only when payments were made


class Records:
    """A portal's back office that knows some dossiers."""

    def __init__(self, *records: DossierRecord) -> None:
        self.records = {r.code: r for r in records}
        self.asked: list[str] = []

    def dossier(self, code: str) -> DossierRecord | None:
        self.asked.append(code)
        return self.records.get(code)


def submitted(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"submissions": [{"code": code, "procedure_code": proc, "applicant": "x"} for code, proc in pairs],
            "payments": []}


def test_every_submission_found_in_the_portal_is_nothing_lost() -> None:
    back_office = Records(DossierRecord("A-1", "2.000488", 1, False), DossierRecord("A-2", "2.000635", 1, False))
    report = consistency.check_portal(submitted(("A-1", "2.000488"), ("A-2", "2.000635")), back_office, NOWHERE,
                                      "ns", "token", settle_s=0)
    assert report.ok and report.dossiers_in_namespace == 2
    assert sorted(back_office.asked) == ["A-1", "A-2"]
    assert "against the portal's back office" in report.summary() and "nothing lost" in report.summary()


def test_a_missing_a_reissued_and_a_wrong_dossier_are_reported() -> None:
    back_office = Records(DossierRecord("A-1", "2.000488", 1, False), DossierRecord("A-3", "1.000894", 1, False))
    ledger = submitted(("A-1", "2.000488"), ("A-2", "2.000488"), ("A-3", "2.000488"), ("A-1", "2.000488"))
    report = consistency.check_portal(ledger, back_office, NOWHERE, "ns", "token", settle_s=0)
    kinds = {(p.kind, p.key) for p in report.problems}
    assert kinds == {("duplicate_code", "A-1"), ("lost_submission", "A-2"), ("wrong_dossier", "A-3")}


def sent(code: str, **what: Any) -> dict[str, Any]:
    return {"code": code, "procedure_code": "P-1", "applicant": "x",
            "sent": {"procedure_code": "P-1", "national_code": "2.000488", "result_delivery": "post",
                     "payment_method": "online", "fee_amount": 200000, **what}}


def test_a_postal_return_turned_into_counter_pick_up_is_caught() -> None:
    back_office = Records(DossierRecord("A-1", "2.000488", 1, False, result_delivery="counter", fee_amount=200000),
                          DossierRecord("A-2", "P-1", 1, False, result_delivery="post", fee_amount=150000),
                          DossierRecord("A-3", "P-1", 1, True, result_delivery="counter", fee_amount=200000))
    ledger = {"submissions": [sent("A-1"), sent("A-2"),
                              sent("A-3", result_delivery="counter", payment_method="counter")], "payments": []}
    report = consistency.check_portal(ledger, back_office, NOWHERE, "ns", "token", settle_s=0)
    assert {(p.kind, p.key) for p in report.problems} == {
        ("wrong_result_delivery", "A-1"), ("wrong_fee", "A-2"), ("paid_unexpectedly", "A-3")}
    assert report.fields["result_delivery"] == "checked on 3 dossier(s)"
    assert report.fields["payment_state"] == "checked on 1 dossier(s)"


def test_what_the_back_office_does_not_give_is_said_not_checked_never_held() -> None:
    back_office = Records(DossierRecord("A-1", "2.000488", 1, False))        # no delivery, no fee amount
    report = consistency.check_portal({"submissions": [sent("A-1")], "payments": []}, back_office, NOWHERE, "ns",
                                      "token", settle_s=0)
    assert report.ok
    assert report.fields["procedure"] == "checked on 1 dossier(s)"
    assert report.fields["result_delivery"] == report.fields["fee_amount"] == consistency.NOT_GIVEN
    summary = report.summary()
    assert "compared: procedure" in summary
    assert "not checked (the records do not give them): result delivery, fee amount" in summary


def test_a_fee_the_desk_collected_at_the_counter_is_not_a_payment_made_online() -> None:
    """The emulator records a counter payment as paid, not paid online: the visitor who chose the counter is
    not told of a payment it never made."""
    record = {"code": "A-1", "procedure_code": "P-1", "result_delivery": "counter", "fee": {"amount": 200000},
              "payment": {"status": "paid", "paid_online": False, "method": "counter"}}
    ledger = [sent("A-1", result_delivery="counter", payment_method="counter")]
    problems, fields = consistency._check({"A-1": [record]}, ledger, [], lambda: [])
    assert problems == [] and fields["payment_state"] == "checked on 1 dossier(s)"
    online = {**record, "payment": {"status": "paid", "paid_online": True}}
    problems, _ = consistency._check({"A-1": [online]}, ledger, [], lambda: [])
    assert [p.kind for p in problems] == ["paid_unexpectedly"]
