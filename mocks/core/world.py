"""Which world a namespace is in: the rules of the date on its clock.

The emulators were built from a 2022 letter; the platform changed since. Every rule that changed
asks this module, never a date of its own:

- 1 July 2024, VNeID for citizens. Decree 69/2024/NĐ-CP (25 June 2024, in force 1 July 2024; it
  replaced Decree 59/2022) on electronic identification: an account that DVCQG, a ministry's or a
  province's system made for a citizen could be used until 30 June 2024 [the clause's number,
  Art. 40(3), is assumed]; from then on a citizen logs in with the VNeID electronic identity, at
  level 1 or level 2 ("mức độ 1", "mức độ 2").
- 1 July 2025, organisations' accounts end: "Tài khoản được tạo lập bởi Cổng dịch vụ công quốc gia,
  hệ thống thông tin giải quyết thủ tục hành chính cấp bộ, cấp tỉnh cấp cho cơ quan, tổ chức được
  sử dụng đến hết ngày 30/6/2025" (Decree 69/2024/NĐ-CP Art. 40(4)); businesses and agencies log in
  with an organisation's electronic identity.
- 1 July 2025, two tiers of local government: district-level units ended (Decision 759/QĐ-TTg,
  14 April 2025); Quảng Nam and Đà Nẵng form the centrally-run thành phố Đà Nẵng (Resolution
  202/2025/QH15, 12 June 2025), of 94 commune-level units (Resolution 1659/NQ-UBTVQH15,
  16 June 2025).
- 1 July 2025, one-stop rules: Decree 118/2025/NĐ-CP (9 June 2025) replaced Decree 61/2018 — the
  desks are the province's and the communes' "Trung tâm Phục vụ hành chính công" (Art. 1), and a
  published list of procedures is filed regardless of the applicant's administrative boundary.
  Whether it also amended Decree 45/2020 (procedures by electronic means) could not be verified:
  its rules are assumed unchanged.

A namespace's world is the day on its clock (mocks/core/clock.py): `serve --as-of` sets the clock of
every namespace that has not set its own, `POST /_admin/clock` one namespace's. A clock nobody set
reads real time: the default is today's world. The 2022 world of the seed letter is a date to pin
(`SEED_DAY`: `--as-of 2022-03-15`, `--dvc-as-of`, a namespace's clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from .clock import Clock
from .timefmt import VN_TZ

VNEID_FOR_CITIZENS = date(2024, 7, 1)       # Decree 69/2024/NĐ-CP Art. 40(3) [clause number assumed]
VNEID_FOR_ORGANISATIONS = date(2025, 7, 1)  # Decree 69/2024/NĐ-CP Art. 40(4)
TWO_TIERS = date(2025, 7, 1)                # Decision 759/QĐ-TTg; Resolutions 202/2025/QH15, 1659/NQ-UBTVQH15
DECREE_118 = date(2025, 7, 1)               # Decree 118/2025/NĐ-CP, in force 1 July 2025
# A working day of the seed letter's year, to pin the 2022 world on (its figures are January 2022's; the last
# days of that January are Tết holidays, so the pin is a plain Tuesday in March).
SEED_DAY = date(2022, 3, 15)
AS_OF_HOUR = time(9, 0)
EPOCH = date(1970, 1, 1)
VN_OFFSET = 7 * 3600                     # `--as-of DAY` starts the clock on that day's working morning


@dataclass(frozen=True)
class World:
    """The rules in force on `day`."""

    day: date

    @property
    def citizens_use_vneid(self) -> bool:
        """Citizens log in with VNeID; a DVCQG citizen password no longer opens anything."""
        return self.day >= VNEID_FOR_CITIZENS

    @property
    def organisations_use_vneid(self) -> bool:
        """Businesses and agencies log in with an organisation's electronic identity."""
        return self.day >= VNEID_FOR_ORGANISATIONS

    @property
    def two_tiers(self) -> bool:
        """Province and commune only: no district-level unit, two-level addresses."""
        return self.day >= TWO_TIERS

    @property
    def one_stop_decree(self) -> str:
        return "118/2025/NĐ-CP" if self.day >= DECREE_118 else "61/2018/NĐ-CP"

    @property
    def boundary_free_filing(self) -> bool:
        """Decree 118/2025: the published list is filed at any desk, by post or on DVCQG, whatever the boundary."""
        return self.day >= DECREE_118

    def uses_vneid(self, account_type: str) -> bool:
        """Whether an account of that type (citizen | business | agency) logs in through VNeID."""
        return self.citizens_use_vneid if account_type == "citizen" else self.organisations_use_vneid

    def said(self) -> str:
        """The world in one line, for the reports and summaries."""
        log_in = ("citizens and organisations log in with VNeID" if self.organisations_use_vneid else
                  "citizens log in with VNeID, organisations with DVCQG passwords" if self.citizens_use_vneid else
                  "DVCQG passwords and registration with a one-time code")
        tiers = "two tiers (province, commune)" if self.two_tiers else "three tiers (province, district, commune)"
        return f"the world of {self.day.isoformat()}: {log_in}; {tiers}; Decree {self.one_stop_decree}"

    def to_json(self) -> dict[str, object]:
        return {"day": self.day.isoformat(), "citizens_use_vneid": self.citizens_use_vneid,
                "organisations_use_vneid": self.organisations_use_vneid, "two_tiers": self.two_tiers,
                "tiers": ["province", "commune"] if self.two_tiers else ["province", "district", "commune"],
                "one_stop_decree": self.one_stop_decree, "boundary_free_filing": self.boundary_free_filing,
                "said": self.said()}


@lru_cache(maxsize=4096)
def world_on(day: date) -> World:
    return World(day)


class Worlds:
    """The world of each namespace, from its clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def of(self, ns: str) -> World:
        seconds, _ = self.clock.instant(ns)
        # Vietnam keeps UTC+7 all year: the day without a time-zone conversion (this runs on every catalogue read)
        return world_on(EPOCH + timedelta(days=int((seconds + VN_OFFSET) // 86400)))

    def describe(self, ns: str) -> dict[str, object]:
        now, source = self.clock.reading(ns)
        world = self.of(ns)
        return {"namespace": ns, "clock": source, "now": now.isoformat(timespec="seconds"), **world.to_json()}


class InvalidAsOf(ValueError):
    """An --as-of value that is not a date (or ISO time) of the years 2000-2099."""


def parse_as_of(text: str) -> datetime:
    """`2025-07-01` (that day at 09:00, Vietnam time) or an ISO time; InvalidAsOf otherwise."""
    text = (text or "").strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), AS_OF_HOUR, tzinfo=VN_TZ)
        else:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
    except ValueError as exc:
        raise InvalidAsOf(f"{text!r} is not a date (YYYY-MM-DD) or an ISO time") from exc
    if not 2000 <= moment.year <= 2099:
        raise InvalidAsOf(f"{text!r}: the date must be within the years 2000-2099")
    return moment
