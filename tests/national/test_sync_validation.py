"""The sync gateway refuses items that are well-formed but make no sense, so a real adapter's bugs show.

Each refusal is `error_code` 3 (invalid data, HTTP 400), naming the item and the field; the batch is all or
nothing. On the model, then over HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from harness.stack import Stack
from mocks.core.config import StackConfig
from mocks.national.model import NationalPortal
from mocks.national.sync import ERR_DATA, SyncError, SyncGateway

from .conftest import NS
from .test_model_sync import CODE, dossier, progress

UNIT = "000.00.12.H47"
T = 5

# (changes to a good dossier, the field refused, a piece of the English message)
REFUSALS: list[tuple[dict[str, Any], str, str]] = [
    ({"MaTTHC": "9.999999"}, "MaTTHC", "not a procedure of the national catalogue"),
    ({"MaTTHC": "2.999999.000.00.00.H47"}, "MaTTHC", "not a procedure of the national catalogue"),
    ({"MaHoSo": f"{UNIT}-251303-0001"}, "MaHoSo", "date '251303' that does not exist"),
    ({"MaHoSo": f"{UNIT}-250230-0001"}, "MaHoSo", "date '250230' that does not exist"),
    ({"MaHoSo": f"{UNIT}-250303-0000"}, "MaHoSo", "number 0000"),
    ({"MaHoSo": "000.00.04.H47-250303-0001"}, "MaHoSo", "belongs to unit 000.00.04.H47, not to the pushing unit"),
    ({"NgayHenTra": "20250303085959"}, "NgayHenTra", "must not be before NgayNopHoSo (20250303090000)"),
]


@pytest.fixture
def gw(model: NationalPortal) -> SyncGateway:
    return model.sync


@pytest.fixture
def session(gw: SyncGateway, config: StackConfig) -> str:
    return gw.login(NS, config.credentials.sync_username, config.credentials.sync_password)["session"]


def call(gw: SyncGateway, session: str, service: str, **body: Any) -> dict[str, Any]:
    return gw.call(NS, {"session": session, "madonvi": UNIT, "service": service, **body})


def refusal(gw: SyncGateway, session: str, service: str, **body: Any) -> SyncError:
    with pytest.raises(SyncError) as caught:
        call(gw, session, service, **body)
    assert (caught.value.status, caught.value.error_code, caught.value.code) == (400, ERR_DATA, "INVALID_SYNC_DATA")
    return caught.value


# -- on the model ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("changes", "field", "why"), REFUSALS)
@pytest.mark.parametrize("updating", [False, True])
def test_a_pushed_dossier_that_makes_no_sense_is_refused(gw: SyncGateway, session: str, changes: dict[str, Any],
                                                         field: str, why: str, updating: bool) -> None:
    good = dossier(MaHoSo=f"{UNIT}-250303-0009")
    if updating:
        call(gw, session, "DongBoHoSoMC", isUpdating=False, data=[good, dossier()])
    error = refusal(gw, session, "DongBoHoSoMC", isUpdating=updating, data=[good, dossier(**changes)])
    assert error.details[0]["index"] == 1 and error.details[0]["field"] == field
    assert why in error.en and "data[1]" in error.en and error.vi
    if not updating:  # all or nothing: the good item of the batch was not kept either
        assert gw.dossier(NS, f"{UNIT}-250303-0009") is None


def test_every_problem_of_an_item_is_listed(gw: SyncGateway, session: str) -> None:
    bad = dossier(MaHoSo="000.00.04.H47-250303-0001", MaTTHC="9.999999", NgayHenTra="20250101000000")
    error = refusal(gw, session, "DongBoHoSoMC", isUpdating=False, data=[bad])
    assert [p["field"] for p in error.details] == ["MaHoSo", "MaTTHC", "NgayHenTra"]


def test_sensible_edges_are_accepted(gw: SyncGateway, session: str) -> None:
    # a deadline at the very moment of submission, the last number of a day, a leap day, a localised MaTTHC
    item = dossier(MaHoSo=f"{UNIT}-240229-9999", NgayNopHoSo="20240229100000", NgayHenTra="20240229100000",
                   MaTTHC="2.000488.000.00.00.H47")
    assert call(gw, session, "DongBoHoSoMC", isUpdating=False, data=[item])["error_code"] == 0


def test_an_unloaded_catalogue_refuses_no_procedure_code(gw: SyncGateway, session: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Without its data the catalogue cannot tell an unknown code: a refusal then would be for good (the
    outbox rejects error_code 3 after one try) for a problem of ours that passes."""
    monkeypatch.setattr(gw.catalogue, "_items", [])
    item = dossier(MaTTHC="9.999999")
    assert call(gw, session, "DongBoHoSoMC", isUpdating=False, data=[item])["error_code"] == 0


def test_progress_of_another_unit_is_refused(gw: SyncGateway, session: str) -> None:
    call(gw, session, "DongBoHoSoMC", isUpdating=False, data=[dossier()])
    error = refusal(gw, session, "CapNhatTienDoHoSoMC", data=[progress(MaHoSo="000.00.04.H47-250303-0001")])
    assert error.details[0]["field"] == "MaHoSo" and "pushing unit" in error.en
    error = refusal(gw, session, "CapNhatTienDoHoSoMC", data=[progress(MaHoSo=f"{UNIT}-250431-0001")])
    assert "does not exist" in error.en
    assert call(gw, session, "CapNhatTienDoHoSoMC", data=[progress()])["result"] == [{"MaHoSo": CODE,
                                                                                       "action": "added"}]


# -- over HTTP ------------------------------------------------------------------------------------------------
@pytest.fixture
def http_session(base: str, headers: dict[str, str], dvc_stack: Stack) -> str:
    creds = dvc_stack.config.credentials
    r = requests.post(f"{base}/sync/login", json={"username": creds.sync_username, "password": creds.sync_password},
                      headers=headers, timeout=T)
    assert r.status_code == 200, r.text
    return r.json()["session"]


@pytest.mark.parametrize(("changes", "field", "why"), REFUSALS)
def test_the_gateway_answers_each_refusal(base: str, headers: dict[str, str], http_session: str,
                                          changes: dict[str, Any], field: str, why: str) -> None:
    body = {"session": http_session, "madonvi": UNIT, "service": "DongBoHoSoMC", "isUpdating": False,
            "data": [dossier(**changes)]}
    r = requests.post(f"{base}/sync/service", json=body, headers=headers, timeout=T)
    assert r.status_code == 400, r.text
    answer = r.json()
    assert answer["error_code"] == ERR_DATA and answer["message"] == answer["error"]["message_vi"]
    assert answer["error"]["code"] == "INVALID_SYNC_DATA" and why in answer["error"]["message_en"]
    assert answer["error"]["details"][0]["field"] == field
    looked_up = requests.get(f"{base}/api/v1/lookup/{body['data'][0]['MaHoSo']}", headers=headers, timeout=T)
    assert looked_up.status_code == 404  # nothing was kept


def test_the_gateway_refuses_progress_of_another_unit(base: str, headers: dict[str, str], http_session: str) -> None:
    body = {"session": http_session, "madonvi": "000.00.04.H47", "service": "CapNhatTienDoHoSoMC",
            "data": [progress()]}
    r = requests.post(f"{base}/sync/service", json=body, headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error_code"] == ERR_DATA
    assert "000.00.04.H47" in r.json()["error"]["message_en"]
