"""The procedure catalogue: procedures, agencies and who offers what (reference data, read-only).

Loaded once from mocks/data/profiles/<profile>/. A province-tier procedure is offered by
its one department; a district- or commune-tier procedure by every UBND of that tier. An
*offering* is one procedure at one agency; the localised procedure code is
`<national_code>.<root agency code>` (e.g. `2.000488.000.00.00.H47`).

The catalogue is the portal's hot read path: the JSON of every offering is built once and
the unfiltered answer is kept as bytes.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import parse_qsl

from mocks import data
from mocks.core.errors import DomainError, NotFound

TIERS: tuple[str, ...] = ("province", "district", "commune")
TIER_NAMES: dict[str, str] = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
FAST_QUERY_KEYS = frozenset({"q", "tier", "agency_code", "level", "offset", "limit"})
FIELD_TYPES: tuple[str, ...] = ("text", "textarea", "number", "date", "select")
FEE_TIMING_NAMES: dict[str, str] = {
    "before": "Thu khi nộp hồ sơ (thu trước)",
    "after": "Thu khi trả kết quả (thu sau)",
    "none": "Không thu phí, lệ phí",
}
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
APPLICANT_TYPE_NAMES: dict[int, str] = {1: "Công dân", 2: "Doanh nghiệp", 3: "Cơ quan nhà nước", 4: "Tổ chức khác"}


def level_label(level: int) -> str:
    """The Decree 42/2022 name of an online service level."""
    if level >= 4:
        return "Toàn trình"
    if level == 3:
        return "Một phần"
    return "Cung cấp thông tin/biểu mẫu"


def level_text(level: int) -> str:
    """Both names, as the portal shows them: 'Mức độ 4 (toàn trình)'."""
    return f"Mức độ {level} ({level_label(level).lower()})"


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics, for accent-insensitive search ('Đăng ký' -> 'dang ky')."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    short_name: str
    tier: str
    unit: str | None
    district: str | None
    address: str
    phone: str
    email: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "short_name": self.short_name, "tier": self.tier,
                "unit": self.unit, "district": self.district, "address": self.address, "phone": self.phone,
                "email": self.email}


@dataclass(frozen=True)
class Fee:
    amount: int
    timing: str          # before | after | none
    description: str
    reduced_amount: int | None
    per_copy: bool

    @property
    def due(self) -> bool:
        return self.amount > 0 and self.timing != "none"


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str
    required: bool
    options: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type, "required": self.required}
        if self.options:
            out["options"] = list(self.options)
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out


@dataclass(frozen=True)
class AttachmentSpec:
    code: str
    name: str
    required: bool


@dataclass(frozen=True)
class Procedure:
    code: str                 # localised: <national_code>.<root agency code>
    national_code: str
    code_is_real: bool
    name: str
    field: str
    tier: str
    agency_code: str | None   # the department, for province-tier procedures only
    level: int
    processing_days: int
    applicant_types: tuple[int, ...]
    fee: Fee
    result_by_post: bool
    form_fields: tuple[FormField, ...]
    attachments: tuple[AttachmentSpec, ...]
    identity_level: int = 1   # the VNeID level (1 or 2) an applicant's identity needs, once citizens use VNeID
    boundary_free: bool = False   # on the list filed regardless of the administrative boundary (Decree 118/2025)
    moved_from: str | None = None     # a former district procedure: the tier it left on 1 July 2025
    moved_source: str = ""            # and the act (or the assumption) it moved by

    @property
    def online(self) -> bool:
        """Levels 3 and 4 take dossiers online; 1 and 2 do not."""
        return self.level >= 3

    @property
    def level_label(self) -> str:
        return level_label(self.level)

    @property
    def level_text(self) -> str:
        return level_text(self.level)

    def field_named(self, name: str) -> FormField | None:
        return next((f for f in self.form_fields if f.name == name), None)

    def attachment_named(self, code: str) -> AttachmentSpec | None:
        return next((a for a in self.attachments if a.code == code), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "national_code": self.national_code, "code_is_real": self.code_is_real,
            "name": self.name, "field": self.field, "tier": self.tier, "level": self.level,
            "level_label": self.level_label, "level_text": self.level_text, "online": self.online,
            "processing_days": self.processing_days, "applicant_types": list(self.applicant_types),
            "fee": {"amount": self.fee.amount, "timing": self.fee.timing, "description": self.fee.description,
                    "reduced_amount": self.fee.reduced_amount, "per_copy": self.fee.per_copy},
            "result_by_post": self.result_by_post, "identity_level": self.identity_level,
            "boundary_free": self.boundary_free,
            **({"moved": {"from": self.moved_from, "to": self.tier, "source": self.moved_source}}
               if self.moved_from else {}),
            "form_fields": [f.to_json() for f in self.form_fields],
            "attachments": [{"code": a.code, "name": a.name, "required": a.required} for a in self.attachments],
        }


@dataclass(frozen=True)
class Offering:
    """One procedure at one agency: what a citizen actually applies for."""

    procedure: Procedure
    agency: Agency

    def to_json(self) -> dict[str, Any]:
        p = self.procedure
        return {
            "code": p.code, "national_code": p.national_code, "name": p.name, "level": p.level,
            "level_label": p.level_label, "level_text": p.level_text, "tier": p.tier,
            "agency_code": self.agency.code, "agency_name": self.agency.name, "field": p.field,
            "fee": {"amount": p.fee.amount, "timing": p.fee.timing, "description": p.fee.description,
                    "per_copy": p.fee.per_copy},
            "result_by_post": p.result_by_post, "processing_days": p.processing_days,
            "applicant_types": list(p.applicant_types), "identity_level": p.identity_level,
            **({"moved": {"from": p.moved_from, "to": p.tier, "source": p.moved_source}} if p.moved_from else {}),
            "form_fields": [f.to_json() for f in p.form_fields],
            "attachments": [{"code": a.code, "name": a.name, "required": a.required} for a in p.attachments],
        }


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _procedure(raw: dict[str, Any], root: str) -> Procedure:
    fee = raw.get("fee") or {}
    return Procedure(
        code=f"{raw['national_code']}.{root}",
        national_code=raw["national_code"],
        code_is_real=bool(raw.get("code_is_real")),
        name=raw["name"],
        field=raw.get("field", ""),
        tier=raw["tier"],
        agency_code=raw.get("agency_code"),
        level=int(raw["level"]),
        processing_days=int(raw.get("processing_days") or 0),
        applicant_types=tuple(int(t) for t in raw.get("applicant_types") or (1,)),
        fee=Fee(int(fee.get("amount") or 0), fee.get("timing") or "none", fee.get("description") or "",
                fee.get("reduced_amount"), bool(fee.get("per_copy"))),
        result_by_post=bool(raw.get("result_by_post")),
        form_fields=tuple(
            FormField(f["name"], f.get("label", f["name"]), f.get("type", "text"), bool(f.get("required")),
                      tuple(f.get("options") or ()), _number(f.get("min")), _number(f.get("max")))
            for f in raw.get("form_fields") or ()
        ),
        attachments=tuple(AttachmentSpec(a["code"], a["name"], bool(a.get("required")))
                          for a in raw.get("attachments") or ()),
        identity_level=int(raw.get("identity_level") or 1),
        boundary_free=bool(raw.get("boundary_free")),
        moved_from=(raw.get("moved") or {}).get("from"),
        moved_source=(raw.get("moved") or {}).get("source", ""),
    )


class Catalogue:
    def __init__(self, profile: str = data.DEFAULT_PROFILE) -> None:
        info = data.profile(profile)
        self.profile = info
        self.province_name: str = info["name"]
        # "tỉnh Quảng Nam", "thành phố Đà Nẵng": how the portal and its letters name the province
        self.province_title: str = info.get("full_name") or f"tỉnh {info['name']}"
        self.two_tiers: bool = "district" not in info.get("tiers", TIERS)
        self.root_agency_code: str = info["root_agency_code"]
        self.agencies: tuple[Agency, ...] = tuple(
            Agency(a["code"], a["name"], a.get("short_name") or a["name"], a["tier"], a.get("unit"),
                   a.get("district"), a.get("address", ""), a.get("phone", ""), a.get("email", ""))
            for a in data.agencies(profile)
        )
        self._agency = {a.code: a for a in self.agencies}
        self.procedures: tuple[Procedure, ...] = tuple(
            _procedure(p, self.root_agency_code) for p in data.procedures(profile)
        )
        self._procedure: dict[str, Procedure] = {}
        for p in self.procedures:
            self._procedure[p.code] = p
            self._procedure[p.national_code] = p
        units = data.units(profile)
        self.district_names: dict[str, str] = {d["code"]: d["name"] for d in units.get("districts", [])}
        self.commune_names: dict[str, str] = {c["code"]: c["name"] for c in units.get("communes", [])}
        self.offerings: tuple[Offering, ...] = tuple(
            Offering(p, a) for p in self.procedures for a in self.agencies_offering(p)
        )
        # Precomputed for the hot path: each offering's JSON and its folded search text.
        self._rows: tuple[tuple[Offering, dict[str, Any], str], ...] = tuple(
            (o, o.to_json(), fold(f"{o.procedure.name} {o.procedure.code} {o.procedure.field}"))
            for o in self.offerings
        )

    @property
    def tiers(self) -> tuple[str, ...]:
        """The tiers of government it has: province, district, commune — or, from 1 July 2025, no district."""
        return tuple(t for t in TIERS if not (self.two_tiers and t == "district"))

    # -- look-ups ------------------------------------------------------------------------------
    def agency(self, code: str) -> Agency | None:
        return self._agency.get(code)

    def procedure(self, code: str) -> Procedure | None:
        """By localised or national code."""
        return self._procedure.get(code)

    def agencies_offering(self, procedure: Procedure) -> list[Agency]:
        if procedure.tier == "province":
            agency = self._agency.get(procedure.agency_code or "")
            return [agency] if agency else []
        return [a for a in self.agencies if a.tier == procedure.tier]

    def agencies_of_tier(self, tier: str | None) -> list[Agency]:
        return [a for a in self.agencies if tier is None or a.tier == tier]

    def require_procedure(self, code: str) -> Procedure:
        procedure = self.procedure(code) if isinstance(code, str) else None
        if procedure is None:
            raise NotFound("PROCEDURE_NOT_FOUND", f"Không tìm thấy thủ tục hành chính có mã '{code}'.",
                           f"No administrative procedure with code '{code}'.")
        return procedure

    def offering(self, code: str, agency_code: str | None) -> Offering:
        """The procedure at that agency; the agency may be left out when only one offers it."""
        procedure = self.require_procedure(code)
        offering_agencies = self.agencies_offering(procedure)
        if not agency_code:
            if len(offering_agencies) == 1:
                return Offering(procedure, offering_agencies[0])
            raise DomainError(
                "AGENCY_REQUIRED",
                f"Thủ tục {TIER_NAMES[procedure.tier].lower()} này do nhiều cơ quan thực hiện: "
                "vui lòng chọn cơ quan thực hiện (agency_code).",
                "Several agencies offer this procedure: choose one (agency_code).",
            )
        agency = self.agency(agency_code)
        if agency is None:
            raise NotFound("AGENCY_NOT_FOUND", f"Không tìm thấy cơ quan có mã '{agency_code}'.",
                           f"No agency with code '{agency_code}'.")
        if agency not in offering_agencies:
            raise DomainError("AGENCY_NOT_OFFERING",
                              f"{agency.name} không thực hiện thủ tục '{procedure.name}'.",
                              f"{agency.name} does not offer procedure {procedure.code}.")
        return Offering(procedure, agency)

    def district_name(self, agency: Agency) -> str:
        return self.district_names.get(agency.district or "", "")

    # -- the hot path ----------------------------------------------------------------------------
    def search(self, q: str | None = None, tier: str | None = None, agency_code: str | None = None,
               level: int | None = None) -> list[Offering]:
        return [row[0] for row in self._filtered(q, tier, agency_code, level)]

    def _filtered(self, q: str | None, tier: str | None, agency_code: str | None,
                  level: int | None) -> list[tuple[Offering, dict[str, Any], str]]:
        words = fold(q).split() if q else []
        return [
            row for row in self._rows
            if (tier is None or row[0].procedure.tier == tier)
            and (agency_code is None or row[0].agency.code == agency_code)
            and (level is None or row[0].procedure.level == level)
            and all(w in row[2] for w in words)
        ]

    @cached_property
    def first_page_json(self) -> bytes:
        return self._page(self._rows, 0, DEFAULT_PAGE_SIZE)

    def fast_read(self, query_string: bytes) -> bytes | None:
        """GET /api/v1/procedures answered before the web framework (mocks.core.control), from the
        same bytes the API route answers; a query this does not recognise as plainly valid returns
        None and goes to the route, which checks it and explains what is wrong."""
        if not query_string:
            return self.first_page_json
        try:
            pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return None
        params = dict(pairs)
        if len(params) != len(pairs) or not params.keys() <= FAST_QUERY_KEYS:
            return None
        tier, level = params.get("tier") or None, params.get("level") or None
        offset, limit = params.get("offset", "0"), params.get("limit", str(DEFAULT_PAGE_SIZE))
        if ((tier is not None and tier not in TIER_NAMES) or (level is not None and level not in ("1", "2", "3", "4"))
                or not (offset.isascii() and offset.isdigit() and limit.isascii() and limit.isdigit())
                or len(offset) > 7 or len(limit) > 4
                or not (0 <= int(offset) <= 1_000_000 and 1 <= int(limit) <= MAX_PAGE_SIZE)
                or len(params.get("q", "")) > 200 or len(params.get("agency_code", "")) > 64):
            return None
        return self.offerings_json(params.get("q") or None, tier, params.get("agency_code") or None,
                                   int(level) if level else None, int(offset), int(limit))

    def offerings_json(self, q: str | None = None, tier: str | None = None, agency_code: str | None = None,
                       level: int | None = None, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> bytes:
        """The answer of GET /api/v1/procedures as bytes; the unfiltered first page is built once."""
        if not (q or tier or agency_code or level is not None) and offset == 0 and limit == DEFAULT_PAGE_SIZE:
            return self.first_page_json
        return self._cached_query(q or "", tier, agency_code, level, offset, limit)

    @lru_cache(maxsize=1024)  # noqa: B019 (one catalogue per process, for the process's life)
    def _cached_query(self, q: str, tier: str | None, agency_code: str | None, level: int | None,
                      offset: int, limit: int) -> bytes:
        return self._page(self._filtered(q, tier, agency_code, level), offset, limit)

    @staticmethod
    def _page(rows: Any, offset: int, limit: int) -> bytes:
        items = [row[1] for row in rows[offset:offset + limit]]
        return _dump({"total": len(rows), "offset": offset, "limit": limit, "items": items})

    def procedure_json(self, code: str) -> dict[str, Any]:
        procedure = self.require_procedure(code)
        return {**procedure.to_json(), "agencies": [
            {"code": a.code, "name": a.name, "tier": a.tier} for a in self.agencies_offering(procedure)
        ]}


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@lru_cache(maxsize=4)
def load(profile: str = data.DEFAULT_PROFILE) -> Catalogue:
    """The catalogue of a profile, built once per process."""
    return Catalogue(profile)
