"""An agency's queue (by status, newest first) is read a page at a time off an index: it costs the same
with three dossiers waiting or thousands (officers fall behind a campaign's submissions)."""

from __future__ import annotations

from typing import Any

from mocks.provincial.model import ProvincialPortal
from tests.query_plans import plans_of, reads_everything

from .conftest import LLTP_AGENCY, submit


def test_a_page_of_the_queue_needs_no_sort_of_the_whole_queue(portal: ProvincialPortal, citizen: Any) -> None:
    codes = [submit(portal, citizen).code for _ in range(3)]
    desk = portal.officers.create("t", username="motcua", full_name="Cán bộ một cửa", agency_code=LLTP_AGENCY,
                                  role="desk", password="mat-khau-thu")[0]
    listed: list[Any] = []
    plans = plans_of(portal.store, lambda: listed.append(portal.workflow.list_for_agency("t", desk, status=1,
                                                                                          limit=2)),
                     like="FROM dossier WHERE")
    [(total, page)] = listed
    assert total == 3 and [d.code for d in page] == codes[::-1][:2]     # newest first
    [_count, rows] = plans
    assert not reads_everything(rows), rows
