"""A VNeID log-in finds its DVCQG account by the identity's subject through an index, under the write lock: it costs
the same with five accounts in the namespace or a campaign's thousands."""

from __future__ import annotations

from mocks.national.model import NationalPortal
from tests.query_plans import plans_of, reads_everything

from .conftest import NS

CLAIMS = {"sub": "vneid-subject-1", "IAL": 2, "LoaiTaiKhoan": 1, "SoDinhDanh": "049190012345",
          "HoVaTen": "Nguyễn Văn A", "NgayThangNamSinh": "01/02/1990"}


def test_a_vneid_log_in_finds_its_account_by_subject_through_an_index(model: NationalPortal) -> None:
    made: list[str] = []
    plans = plans_of(model.store, lambda: made.append(model.accounts.link_vneid(NS, CLAIMS)[1]),
                     like="vneid_subject = ")
    assert made == ["created"]
    [plan] = plans
    assert not reads_everything(plan) and any("vneid_subject=?" in step for step in plan), plan
