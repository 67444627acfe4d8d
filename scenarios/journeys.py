"""The citizen journeys: plain functions over the portal interfaces, each step named and timed.

A journey takes the portals (scenarios.portal.Portals: what `dvc_pages` gives), the harness
clients of the national emulators for what has no user interface (harness.clients.Platform: the
one-time code in the national outbox, a bank that answers late, the postal order moving along),
the provincial portal's back office for what an officer or the portal's records give
(scenarios.portal.PortalBackOffice: what `dvc_back_office` gives; local accounts and log-ins, the
result-ready shortcut), and the data it works on. It drives the browser through the interfaces only, checks
what the citizen sees, and fails with an AssertionError that says which rule broke. Every
step is wrapped in `harness.steps.step("...")`, so the reports show each step and its time.

Journeys compose: `submit_dossier` + `pay_online` is the level-4 journey, and the suites
(scenarios/suites) chain them as a citizen would.
"""

from __future__ import annotations

import hashlib
import re
import struct
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from harness.clients import Platform
from harness.procedure_needs import NEEDS, ProcedureNeed
from harness.steps import StepUnavailable, skipped, step
from scenarios.portal import DossierView, LookupView, PortalBackOffice, Portals, PostalAddress, Submission

# Circular 32/2017: a level-3/4 service is reachable within 3 clicks of the home page.
MAX_CLICKS = 3
# What arrives behind the page (payment confirmations, postal events, sync pushes), in seconds.
ASYNC_TIMEOUT = 10.0
LOOKUP_POLL_S = 0.25    # between two looks at the national look-up, waiting for a push
DOSSIER_CODE = re.compile(r"^(?P<agency>\d{3}\.\d{2}\.\d{2}\.H\d{2})-(?P<day>\d{6})-(?P<number>\d{4})$")
TIER_NAMES = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}

# Status names (TrangThaiHoSo, mocks/core/codes.py) the journeys expect.
NEW = "Mới đăng ký"
RECEIVED = "Được tiếp nhận"
PROCESSING = "Đang xử lý"
FINANCIAL = "Yêu cầu thực hiện nghĩa vụ tài chính"
DONE = "Đã xử lý xong"
RETURNED = "Đã trả kết quả"
PAID = "Đã thanh toán"
UNPAID = "Chưa thanh toán"
# The way forward, in order: officers working the same back office meanwhile (the load's teams) may move a
# dossier on between two looks of the citizen (received, in processing, its result held for the fee, ready,
# handed over), so a later look shows the same status or one after it.
FORWARD = (NEW, RECEIVED, PROCESSING, FINANCIAL, DONE, RETURNED)


def at_or_after(shown: str, seen: str) -> bool:
    """`shown` is `seen`, or a status after it on the way forward (a dossier officers moved on meanwhile)."""
    return shown == seen or (seen in FORWARD and shown in FORWARD[FORWARD.index(seen):])


def shows(shown: str, expected: str, *, officers_at_work: bool) -> bool:
    """A look shows `expected`; beside officers at work, or a status they may have moved the dossier on to."""
    return shown == expected or (officers_at_work and at_or_after(shown, expected))


# -- test data ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcedurePick:
    """A procedure the journeys use, as the catalogue describes it."""

    code: str
    national_code: str
    name: str
    level: int
    tier: str
    agency_code: str
    agency_name: str
    fee: int
    result_by_post: bool

    @property
    def tier_name(self) -> str:
        return TIER_NAMES[self.tier]

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ProcedurePick:
        return cls(code=item["code"], national_code=item["national_code"], name=item["name"], level=int(item["level"]),
                   tier=item["tier"], agency_code=item["agency_code"], agency_name=item["agency_name"],
                   fee=int((item.get("fee") or {}).get("amount") or 0), result_by_post=bool(item["result_by_post"]))


def _catalogue_items(source: Any, filters: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The procedures to pick from: a back office's catalogue (PortalBackOffice), or the provincial emulator's
    API through a Platform (narrowed by the filters it takes), or a list of items."""
    if hasattr(source, "catalogue"):
        return list(source.catalogue())
    if hasattr(source, "provincial"):
        return list(source.provincial.procedures(**filters)["items"])
    return list(source)


def pick_procedure(source: Any, *, level: int, fee: bool | None = None, by_post: bool | None = None,
                   tier: str | None = "province", fee_timing: str | None = None, applicant_type: int | None = 1,
                   excluding: Sequence[str] = ()) -> ProcedurePick:
    """The first procedure of the portal's catalogue with these properties (source: a PortalBackOffice, a
    harness Platform, or catalogue items).

    The journeys then find it through the pages, by its name: nothing depends on a code.
    """
    need = ProcedureNeed((level,), fee=fee, fee_timing=fee_timing, by_post=by_post, tier=tier,
                         applicant_type=applicant_type)
    return pick_for(source, need, excluding=excluding)


def pick_for(source: Any, need: ProcedureNeed, *, excluding: Sequence[str] = ()) -> ProcedurePick:
    """The first procedure of the catalogue that meets a journey's need (harness.procedure_needs)."""
    found = picks_for(source, need, excluding=excluding, most=1)
    if not found:
        raise LookupError(f"the catalogue has no {need.describe().removeprefix('a ')}")
    return found[0]


def picks_for(source: Any, need: ProcedureNeed, *, excluding: Sequence[str] = (), most: int = 1
              ) -> tuple[ProcedurePick, ...]:
    """Up to `most` procedures of the catalogue that meet a need, in the catalogue's order."""
    filters: dict[str, Any] = {"limit": 1000, **({"level": need.levels[0]} if len(need.levels) == 1 else {})}
    if need.tier:
        filters["tier"] = need.tier
    found = [ProcedurePick.from_item(item) for item in need.select(_catalogue_items(source, filters))
             if item["national_code"] not in excluding and item["code"] not in excluding]
    return tuple(found[:most])


# The kinds of procedure the journeys use (harness.procedure_needs.NEEDS), each by what the journeys that use
# it need: a payment needs a fee paid online, only a postal return needs the post.
CATALOGUE_KINDS: dict[str, ProcedureNeed] = dict(NEEDS)


class Catalogue(dict[str, tuple[ProcedurePick, ...]]):
    """The procedures the journeys use, picked from the portal's catalogue by kind (CATALOGUE_KINDS).

    `catalogue.level4_post` is the first procedure of a kind, None when the portal offers none (`missing`
    names those); the journeys that need it are skipped, saying what they need, rather than failed.
    """

    @classmethod
    def pick(cls, source: Any, *, most: int = 1) -> Catalogue:
        """From a PortalBackOffice's catalogue (or a Platform: the provincial emulator's catalogue API, or
        catalogue items); `most` procedures of each kind."""
        items = _catalogue_items(source, {}) if hasattr(source, "catalogue") else None
        return cls({kind: picks_for(items if items is not None else source, need, most=most)
                    for kind, need in CATALOGUE_KINDS.items()})

    def __getattr__(self, kind: str) -> ProcedurePick | None:
        if kind not in CATALOGUE_KINDS:
            raise AttributeError(kind)
        found = self.get(kind) or ()
        return found[0] if found else None

    @property
    def missing(self) -> list[str]:
        return [kind for kind in CATALOGUE_KINDS if not self.get(kind)]


@dataclass(frozen=True)
class SampleFiles:
    """Files for the documents of a dossier: a tiny valid PDF and PNG, and a text file named .pdf."""

    pdf: Path
    png: Path
    fake_pdf: Path

    @property
    def good(self) -> list[Path]:
        return [self.pdf, self.png]


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
            + chunk(b"IEND", b""))


def _pdf_minimal() -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_sample_files(folder: Path) -> SampleFiles:
    """Write the sample files into `folder` (a test's tmp_path)."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf, png, fake = folder / "to-khai.pdf", folder / "anh-chup-cccd.png", folder / "ghi-chu.pdf"
    pdf.write_bytes(_pdf_minimal())
    png.write_bytes(_png_1x1())
    fake.write_text("Đây là một tệp văn bản, không phải PDF.\n", encoding="utf-8")  # a .txt renamed .pdf
    return SampleFiles(pdf, png, fake)


def postal_address(person: Mapping[str, Any], data: Any = None) -> PostalAddress:
    """The citizen's own name and phone at a Quảng Nam address (harness.testdata when given)."""
    if data is not None:
        return PostalAddress.from_mapping(data.postal_address(person))
    return PostalAddress(name=str(person["full_name"]), phone=str(person["phone"]), address="12 Phan Bội Châu",
                         province="Quảng Nam", district="Thành phố Tam Kỳ", commune="Phường Tân Thạnh")


# -- checks shared by the journeys ---------------------------------------------------------------------
def check_dossier_code(code: str, agency_code: str, platform: Platform | None = None) -> None:
    """AGENCY-YYMMDD-NNNN: the agency's identifier, the receipt date (the namespace's clock), a counter."""
    match = DOSSIER_CODE.match(code)
    assert match, f"dossier code {code!r} is not AGENCY-YYMMDD-NNNN"
    assert match["agency"] == agency_code, f"dossier code {code} is not of agency {agency_code}"
    day = datetime.strptime(match["day"], "%y%m%d").date()
    today = date.today()
    if platform is not None:  # the namespace's clock is the stack's: ask the national emulator, always there
        today = datetime.fromisoformat(str(platform.national.clock()["now"])).date()
    assert day in (today, today - timedelta(days=1)), f"dossier code {code} is not dated today ({today})"
    assert int(match["number"]) >= 1, f"dossier code {code} has counter 0000"


def _mine(back_office: PortalBackOffice, citizen: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The portal's local accounts of this citizen (by ID number)."""
    return [a for a in back_office.local_accounts() if a.get("id_number") == citizen["id_number"]]


def _my_logins(back_office: PortalBackOffice, citizen: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The SSO log-ins into this citizen's local accounts, oldest first (other citizens log in meanwhile)."""
    mine = {a["id"] for a in _mine(back_office, citizen)}
    return [login for login in back_office.local_logins() if login.get("account_id") in mine]


# -- 1. accounts on the national portal ------------------------------------------------------------------
def register_on_national_portal(portals: Portals, platform: Platform, person: Mapping[str, Any]) -> str:
    """Register with the form, confirm with the one-time code from the outbox, log in. Returns the user name."""
    national = portals.national
    with step("Đăng ký tài khoản công dân trên Cổng DVC quốc gia"):
        username = national.register(person)
        assert username == person["id_number"], f"user name {username!r} is not the ID number"
    with step("Lấy mã xác thực (OTP) từ hộp thư giả lập"):
        otp = platform.national.latest_otp(username)
        assert re.fullmatch(r"\d{6}", otp), f"one-time code {otp!r} is not 6 digits"
    with step("Xác nhận tài khoản bằng mã OTP"):
        national.confirm(username, otp)
    with step("Đăng nhập Cổng DVC quốc gia"):
        national.log_in(username, str(person["password"]))
        name = national.account_name()
        assert name == person["full_name"], f"logged in as {name!r}, not {person['full_name']!r}"
    return username


# -- 2. single sign-on to the provincial portal ------------------------------------------------------------
def approve_in_app(app: Any, username: str) -> None:
    """The holder approves the waiting log-in in the VNeID app (harness.clients.VneidClient: the app is a control
    the tests hold). `app` None: the namespace approves every log-in at once (the load turns that on)."""
    if app is None:
        return
    asked = app.pending(str(username))
    assert asked, f"the VNeID app of {username} shows no log-in to approve"
    for request in asked:
        app.approve(request["id"])


def log_in_with_vneid(portals: Portals, app: Any, citizen: Mapping[str, Any]) -> None:
    """From the national log-in page: "Đăng nhập bằng tài khoản định danh điện tử VNeID", the number and password on
    VNeID's page, the approval in the app, and back logged in."""
    refused = portals.national.start_vneid(str(citizen["username"]), str(citizen["password"]))
    assert not refused, f"VNeID's log-in did not wait for the app: {refused}"
    approve_in_app(app, str(citizen["username"]))
    refused = portals.national.finish_vneid()
    assert not refused, f"the VNeID log-in did not go through: {refused}"


def log_in_provincial(portals: Portals, citizen: Mapping[str, Any], *, password_asked: bool = True,
                      app: Any = None) -> None:
    """Log in to the provincial portal through the national SSO (no password again when already logged in): with
    the DVCQG password, or, for a citizen who logs in with VNeID (`log_in` "vneid": from 1 July 2024), through
    DVCQG's VNeID log-in approved in the app (`app`; None: approved at once)."""
    vneid = citizen.get("log_in") == "vneid"
    with step("Đăng nhập Cổng DVC tỉnh qua Cổng DVC quốc gia" + (" bằng tài khoản VNeID" if vneid else "")):
        portals.provincial.home()
        portals.provincial.start_log_in()
        if password_asked and vneid:
            log_in_with_vneid(portals, app, citizen)
        elif password_asked:
            portals.national.authorize(str(citizen["username"]), str(citizen["password"]))
        portals.provincial.expect_logged_in(str(citizen["full_name"]))


def first_vneid_log_in_makes_the_account(portals: Portals, app: Any, citizen: Mapping[str, Any]) -> str:
    """Since 1 July 2024 no citizen registers on DVCQG: the first VNeID log-in makes the account, named as the
    identity says. Returns the user name (the ID number)."""
    with step("Đăng nhập Cổng DVC quốc gia bằng tài khoản định danh điện tử VNeID lần đầu"):
        log_in_with_vneid(portals, app, citizen)
    with step("Kiểm tra: tài khoản Cổng DVC quốc gia được tạo theo tài khoản định danh điện tử"):
        name = portals.national.account_name()
        assert name == citizen["full_name"], f"logged in as {name!r}, not {citizen['full_name']!r}"
    return str(citizen["username"])


def first_sso_log_in_creates_account(portals: Portals, back_office: PortalBackOffice,
                                     citizen: Mapping[str, Any], app: Any = None) -> str:
    """A citizen new to the province: the first SSO log-in creates the local account. Returns its id."""
    with step("Kiểm tra: chưa có tài khoản tại Cổng DVC tỉnh"):
        assert not _mine(back_office, citizen)
    log_in_provincial(portals, citizen, app=app)
    with step("Kiểm tra: tài khoản địa phương được tạo từ lần đăng nhập SSO đầu tiên"):
        mine = _mine(back_office, citizen)
        assert len(mine) == 1, f"local accounts of the citizen: {mine}"
        logins = _my_logins(back_office, citizen)
        assert [login["rule"] for login in logins] == ["created"], f"the citizen's log-ins: {logins}"
    return str(mine[0]["id"])


def sso_log_in_links_local_account(portals: Portals, back_office: PortalBackOffice,
                                   citizen: Mapping[str, Any], app: Any = None) -> str:
    """An account the province made before (at the counter): the SSO log-in links it by ID number."""
    with step("Cán bộ tạo tài khoản địa phương chưa liên kết (cùng số định danh)"):
        local = back_office.create_local_account(str(citizen["full_name"]), str(citizen["id_number"]))
    log_in_provincial(portals, citizen, app=app)
    with step("Kiểm tra: đăng nhập SSO liên kết với tài khoản có sẵn theo số định danh"):
        assert [a["id"] for a in _mine(back_office, citizen)] == [local["id"]], "a second local account was made"
        logins = [(login["rule"], login["account_id"]) for login in _my_logins(back_office, citizen)]
        assert logins == [("id_number", local["id"])], f"the citizen's log-ins (rule, account): {logins}"
    with step("Đăng xuất rồi đăng nhập lại: nhận ra theo TechID"):
        portals.provincial.log_out()
        log_in_provincial(portals, citizen, password_asked=False)
        logins = [(login["rule"], login["account_id"]) for login in _my_logins(back_office, citizen)]
        assert logins[1:] == [("techid", local["id"])], f"the citizen's log-ins (rule, account): {logins}"
    return str(local["id"])


# -- 3. finding a procedure within 3 clicks ------------------------------------------------------------------
def _clicks(*counts: int | None) -> int | None:
    """The clicks of a way to a page; None where the driver has no clicks (the API driver)."""
    return None if any(c is None for c in counts) else sum(c for c in counts if c is not None)


def _found(portals: Portals, procedure: ProcedurePick, clicks: int | None, how: str) -> int | None:
    view = portals.provincial.procedure()
    assert view.name == procedure.name, f"opened {view.name!r}, not {procedure.name!r}"
    if clicks is None:
        skipped(f"Quy tắc 3 lần nhấp (Thông tư 32/2017) — {how}", "this driver has no clicks: the browser checks it")
    else:
        assert clicks <= MAX_CLICKS, f"{how}: {clicks} clicks from the home page (at most {MAX_CLICKS})"
    return clicks


def find_by_search(portals: Portals, procedure: ProcedurePick, text: str | None = None) -> int | None:
    """Home page → search → the procedure. Returns the clicks it took (≤ 3; None without clicks)."""
    with step(f"Tìm thủ tục bằng ô tìm kiếm: {procedure.name[:60]}"):
        portals.provincial.home()
        clicks = _clicks(portals.provincial.search(text or procedure.name),
                         portals.provincial.open_procedure(procedure.name))
        return _found(portals, procedure, clicks, "by search")


def find_by_agency(portals: Portals, procedure: ProcedurePick) -> int | None:
    """Home page → the agency's procedures → the procedure. Returns the clicks (≤ 3; None without clicks)."""
    with step(f"Tìm thủ tục theo cơ quan: {procedure.agency_name}"):
        portals.provincial.home()
        clicks = _clicks(portals.provincial.browse_agency(procedure.agency_name),
                         portals.provincial.open_procedure(procedure.name))
        return _found(portals, procedure, clicks, "by agency")


def find_by_tier(portals: Portals, procedure: ProcedurePick) -> int | None:
    """Home page → the tier's procedures → the procedure. Returns the clicks (≤ 3; None without clicks)."""
    with step(f"Tìm thủ tục theo cấp thực hiện: {procedure.tier_name}"):
        portals.provincial.home()
        clicks = _clicks(portals.provincial.browse_tier(procedure.tier_name),
                         portals.provincial.open_procedure(procedure.name))
        return _found(portals, procedure, clicks, "by tier")


# -- 4. submitting a dossier ---------------------------------------------------------------------------------
def submit_dossier(portals: Portals, platform: Platform, procedure: ProcedurePick, submission: Submission, *,
                   officers_at_work: bool = False) -> str:
    """Find the procedure, fill in the form, send it: a new dossier "Mới đăng ký" (or, with `officers_at_work`
    on the same back office, one they have taken up already). Returns its code."""
    find_by_search(portals, procedure)
    with step("Mở tờ khai nộp hồ sơ trực tuyến"):
        portals.provincial.start_submission(procedure.agency_name)
    with step("Điền tờ khai, đính kèm thành phần hồ sơ và nộp"):
        code = portals.provincial.submit(submission)
    with step("Kiểm tra mã hồ sơ và trạng thái"):
        check_dossier_code(code, procedure.agency_code, platform)
        view = portals.provincial.open_dossier(code)
        assert view.code == code
        assert shows(view.status, NEW, officers_at_work=officers_at_work), (
            f"a new dossier shows {view.status!r}, not {NEW!r}" + (" nor a status officers move it to"
                                                                  if officers_at_work else ""))
    return code


def submit_level3_dossier(portals: Portals, platform: Platform, procedure: ProcedurePick, files: SampleFiles, *,
                          officers_at_work: bool = False) -> str:
    """Level 3: submitted online, the fee left to the counter. Returns the dossier code."""
    assert procedure.level == 3 and procedure.fee > 0, "a level-3 procedure with a fee is needed"
    code = submit_dossier(portals, platform, procedure, Submission(files=files.good, result_delivery="counter"),
                          officers_at_work=officers_at_work)
    with step("Kiểm tra: phí, lệ phí nộp tại cơ quan, không thanh toán trực tuyến"):
        view = portals.provincial.open_dossier(code)
        assert "tại cơ quan" in view.fee, f"the fee is not left to the counter: {view.fee!r}"
        assert view.payment.startswith(UNPAID), f"payment shows {view.payment!r}"
        assert not view.can_pay_online, "a level-3 dossier offers an online payment"
    return code


# -- 5. paying online ----------------------------------------------------------------------------------------
def pay_online(portals: Portals, code: str, amount: int, *, bank: str = "Vietcombank") -> DossierView:
    """From the dossier page to the checkout, pay, back to the portal: paid, with an e-receipt."""
    with step("Chuyển sang Nền tảng thanh toán"):
        portals.provincial.open_dossier(code)
        portals.provincial.start_payment()
        checkout = portals.payment.details()
        assert checkout.amount == amount, f"the checkout asks {checkout.amount} đ, not {amount} đ"
        assert checkout.dossier_code in ("", code), f"the checkout is for {checkout.dossier_code}, not {code}"
        assert bank in checkout.banks, f"{bank} is not offered: {checkout.banks}"
    with step(f"Chọn {bank} và thanh toán"):
        portals.payment.pay(bank)
    with step("Quay lại Cổng DVC tỉnh: đã thanh toán"):
        outcome = portals.provincial.payment_outcome()
        assert "thành công" in outcome, f"the portal says {outcome!r} after a payment"
        view = portals.provincial.back_to_dossier()
        assert view.payment.startswith(PAID), f"the dossier shows {view.payment!r} after paying"
    with step("Xem biên lai điện tử"):
        assert view.receipt_available, "no e-receipt offered for a paid fee"
        portals.provincial.open_receipt()
        receipt = portals.payment.receipt()
        assert receipt.amount == amount, f"the receipt is for {receipt.amount} đ, not {amount} đ"
        assert receipt.dossier_code == code, f"the receipt is for dossier {receipt.dossier_code}"
        assert receipt.transaction_id, "the receipt has no transaction id"
    return view


def submit_level4_and_pay(portals: Portals, platform: Platform, procedure: ProcedurePick, files: SampleFiles,
                          *, bank: str = "Vietcombank", officers_at_work: bool = False) -> str:
    """Level 4: submitted, paid online at the checkout, e-receipt. Returns the dossier code."""
    assert procedure.level == 4 and procedure.fee > 0, "a level-4 procedure with a fee is needed"
    code = submit_dossier(portals, platform, procedure,
                          Submission(files=files.good, result_delivery="online", payment="online"),
                          officers_at_work=officers_at_work)
    pay_online(portals, code, procedure.fee, bank=bank)
    return code


# -- 6. the result by post ------------------------------------------------------------------------------------
def submit_by_post(portals: Portals, platform: Platform, procedure: ProcedurePick, files: SampleFiles,
                   address: PostalAddress, check: str, *, officers_at_work: bool = False) -> tuple[str, DossierView]:
    """A dossier with the result by post, paid online: every level of the address is kept (two or three)."""
    code = submit_dossier(portals, platform, procedure, Submission(
        files=files.good, result_delivery="post", payment="online", postal_address=address),
        officers_at_work=officers_at_work)
    with step(check):
        view = portals.provincial.open_dossier(code)
        parts = [p for p in (address.address, address.district, address.commune, address.province) if p]
        assert all(part in view.postal_address for part in parts), (
            f"the dossier shows the address {view.postal_address!r}, not every part of {parts}")
    return code, view


def postal_return(portals: Portals, platform: Platform, back_office: PortalBackOffice, procedure: ProcedurePick,
                  files: SampleFiles, address: PostalAddress, *, officers_at_work: bool = False) -> str:
    """Level 4 with the result by post: address kept, result held until paid online, tracked, delivered (10)."""
    assert procedure.result_by_post and procedure.fee > 0, "a procedure with a fee and a postal return is needed"
    code, view = submit_by_post(portals, platform, procedure, files, address,
                                "Kiểm tra: địa chỉ nhận kết quả qua bưu chính được lưu",
                                officers_at_work=officers_at_work)
    with step("Kiểm tra: chưa có vận đơn"):
        assert not view.waybill
    with step("Có kết quả khi chưa thanh toán: kết quả bị giữ lại (trạng thái 6)"):
        record_result(portals, back_office, code, officers_at_work=officers_at_work)
        view = portals.provincial.wait_for_dossier(code, status=FINANCIAL, timeout=ASYNC_TIMEOUT)
        assert not view.waybill, "the result went to the post before the fee was paid online"
    pay_online(portals, code, procedure.fee)
    with step("Kết quả chuyển cho bưu chính: có mã vận đơn"):
        view = portals.provincial.wait_for_dossier(code, status=DONE, waybill=True, timeout=ASYNC_TIMEOUT)
        waybill = view.waybill
    with step("Tra cứu bưu gửi trên trang của bưu chính"):
        portals.provincial.open_tracking()
        shown = portals.postal.shown()
        assert shown.waybill == waybill, f"the tracking page shows {shown.waybill}, not {waybill}"
        assert shown.events, "the tracking page shows no event"
    with step("Bưu chính phát thành công (mô phỏng)"):
        platform.postal.deliver(waybill)
    with step("Kiểm tra: hồ sơ chuyển sang 10 — Đã trả kết quả"):
        view = portals.provincial.wait_for_dossier(code, status=RETURNED, timeout=ASYNC_TIMEOUT)
        assert view.status_code in (None, 10), f"status code {view.status_code}, not 10"
        tracked = portals.postal.track(waybill)
        assert tracked is not None and tracked.state == "Đã phát thành công", f"tracking shows {tracked}"
    return code


def record_result(portals: Portals, back_office: PortalBackOffice, code: str, *, officers_at_work: bool = False
                  ) -> None:
    """The back office records the dossier's result. Officers working it meanwhile may have recorded it first: the
    back office's refusal is then no failure, when the dossier shows its result already."""
    try:
        back_office.result_ready(code)
    except Exception:
        if not officers_at_work or not at_or_after(portals.provincial.open_dossier(code).status, FINANCIAL):
            raise


# -- 7. tracking a dossier on both portals ---------------------------------------------------------------------
def track_dossier(portals: Portals, code: str, status: str, *, timeout: float = ASYNC_TIMEOUT,
                  officers_at_work: bool = False) -> None:
    """The public look-up by code shows `status` on the provincial portal and, once pushed, on the national one.
    With officers at work meanwhile, a look-up may show a later status on the way forward."""
    with step(f"Tra cứu hồ sơ trên Cổng DVC tỉnh: {status}"):
        found = portals.provincial.look_up(code)
        assert found is not None, f"the provincial look-up does not find {code}"
        assert shows(found.status, status, officers_at_work=officers_at_work), (
            f"the provincial look-up shows {found.status!r}, not {status!r}")
    with step(f"Tra cứu hồ sơ trên Cổng DVC quốc gia: {status}"):
        if not officers_at_work:
            national = portals.national.wait_for_lookup(code, status, timeout=timeout)
        else:
            national = _national_at_or_after(portals, code, status, timeout)
        assert national.code == code


def _national_at_or_after(portals: Portals, code: str, status: str, timeout: float) -> LookupView:
    deadline = time.monotonic() + timeout
    while True:
        found = portals.national.look_up(code)
        if found is not None and at_or_after(found.status, status):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"the national look-up of {code} shows {found}, not {status!r} nor a later status, "
                                 f"after {timeout} s")
        time.sleep(LOOKUP_POLL_S)


def unknown_dossier_not_found(portals: Portals, code: str) -> None:
    with step("Tra cứu mã hồ sơ không tồn tại: không tìm thấy trên cả hai cổng"):
        assert portals.provincial.look_up(code) is None, f"the provincial look-up finds {code}"
        assert portals.national.look_up(code) is None, f"the national look-up finds {code}"


# -- 8. unhappy paths --------------------------------------------------------------------------------------------
def payment_cancelled_then_retried(portals: Portals, platform: Platform, procedure: ProcedurePick,
                                   files: SampleFiles, *, officers_at_work: bool = False) -> str:
    """The citizen cancels at the checkout: still unpaid; tries again and pays."""
    code = submit_dossier(portals, platform, procedure,
                          Submission(files=files.good, result_delivery="online", payment="online"),
                          officers_at_work=officers_at_work)
    with step("Hủy giao dịch trên trang thanh toán"):
        portals.provincial.open_dossier(code)
        portals.provincial.start_payment()
        first = portals.payment.details().reference
        portals.payment.cancel()
        outcome = portals.provincial.payment_outcome()
        assert "không thành công" in outcome, f"the portal says {outcome!r} after a cancelled payment"
        view = portals.provincial.back_to_dossier()
        assert view.payment.startswith(UNPAID) and view.can_pay_online, f"after cancelling: {view}"
    view = pay_online(portals, code, procedure.fee)
    with step("Kiểm tra tại nền tảng thanh toán: giao dịch đầu bị hủy, giao dịch mới đã thanh toán"):
        mine = [t for t in platform.payment.transactions() if (t.get("receipt_info") or {}).get("MaHoSo") == code]
        states = [(t["reference"] == first, t["status"]) for t in mine]
        assert states == [(True, 4), (False, 1)], f"transactions of {code} (first?, TrangThaiGD): {states}"
    return code


def payment_pending_at_bank_timeout(portals: Portals, platform: Platform, procedure: ProcedurePick,
                                    files: SampleFiles, *, officers_at_work: bool = False) -> str:
    """The bank never answers: the dossier waits (not paid, no second checkout); the platform settles it later."""
    code = submit_dossier(portals, platform, procedure,
                          Submission(files=files.good, result_delivery="online", payment="online"),
                          officers_at_work=officers_at_work)
    with step("Ngân hàng không phản hồi"):
        portals.provincial.open_dossier(code)
        portals.provincial.start_payment()
        reference = portals.payment.details().reference
        portals.payment.bank_times_out()
        outcome = portals.provincial.payment_outcome()
        assert "chờ" in outcome, f"the portal says {outcome!r} while the bank has not answered"
    with step("Kiểm tra: hồ sơ chưa thanh toán, đang chờ kết quả giao dịch"):
        view = portals.provincial.back_to_dossier()
        assert view.payment.startswith(UNPAID) and "chờ" in view.payment, f"pending payment shows {view.payment!r}"
        assert not view.receipt_available
    with step("Nền tảng thanh toán xác nhận giao dịch (quản trị)"):
        platform.payment.resolve(reference, "paid")
    with step("Kiểm tra: hồ sơ đã thanh toán sau xác nhận"):
        view = portals.provincial.wait_for_dossier(code, payment=PAID, timeout=ASYNC_TIMEOUT)
        assert view.receipt_available, "no e-receipt once the pending payment is settled"
    return code


def level2_not_online(portals: Portals, procedure: ProcedurePick) -> None:
    """A level-2 procedure: a clear notice, no online submission."""
    assert procedure.level == 2, "a level-2 procedure is needed"
    find_by_search(portals, procedure)
    with step("Kiểm tra: thủ tục mức độ 2 không nộp trực tuyến"):
        view = portals.provincial.procedure()
        assert not view.online, f"the level-2 procedure {procedure.name!r} offers an online submission"
        if view.notice is None:
            skipped("Lời nhắn: nộp trực tiếp, không trực tuyến", "this driver reads no page's wording")
        else:
            assert "trực tuyến" in view.notice and "trực tiếp" in view.notice, f"notice: {view.notice!r}"


def postal_return_needs_online_payment(portals: Portals, procedure: ProcedurePick, files: SampleFiles,
                                       address: PostalAddress) -> str:
    """A postal return paid at the counter is refused with its message; no dossier is made. Returns the message."""
    with step("Xem danh sách hồ sơ của tôi"):
        before = portals.provincial.my_dossiers()
    find_by_search(portals, procedure)
    with step("Chọn nhận kết quả qua bưu chính và thanh toán tại cơ quan"):
        portals.provincial.start_submission(procedure.agency_name)
        message = portals.provincial.submit_refused(Submission(
            files=files.good, result_delivery="post", payment="counter", postal_address=address))
    with step("Kiểm tra: thông báo phải thanh toán trực tuyến, không có hồ sơ mới"):
        assert "bưu chính" in message and "thanh toán trực tuyến" in message, f"refusal: {message!r}"
        assert portals.provincial.my_dossiers() == before, "a dossier was made anyway"
    return message


def bad_attachment_refused(portals: Portals, procedure: ProcedurePick, files: SampleFiles) -> str:
    """A text file named .pdf is refused with a message naming it; no dossier is made. Returns the message."""
    with step("Xem danh sách hồ sơ của tôi"):
        before = portals.provincial.my_dossiers()
    find_by_search(portals, procedure)
    with step("Đính kèm tệp văn bản đổi đuôi .pdf"):
        portals.provincial.start_submission(procedure.agency_name)
        message = portals.provincial.submit_refused(Submission(files=[files.fake_pdf], result_delivery="counter"))
    with step("Kiểm tra: tệp bị từ chối, có thông báo, không có hồ sơ mới"):
        assert files.fake_pdf.name in message and "PDF" in message, f"refusal: {message!r}"
        assert portals.provincial.my_dossiers() == before, "a dossier was made anyway"
    return message


def forged_confirmation(reference: str, amount: int, partner: str, *, secret: str = "not-the-partner-secret",
                        when: str = "20240115093000") -> dict[str, Any]:
    """A CONFIRM "paid" message for `reference`, signed with the wrong secret (mocks/core/signing.py)."""
    message: dict[str, Any] = {
        "LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": partner, "MaThamChieu": reference, "SoTien": amount,
        "MaTienTe": "VND", "MaGiaoDich": "PG24011599999999", "MaNganHang": "VCB", "ThoiGianGD": when,
        "ThongTinGiaoDich": "Giao dịch giả mạo", "TrangThaiGD": 1,
    }
    fields = ("LoaiBanTin", "MaLoi", "MaDoiTac", "MaThamChieu", "SoTien", "MaTienTe", "MaGiaoDich", "MaNganHang",
              "ThoiGianGD", "ThongTinGiaoDich")
    signed = "|".join(str(message[f]) for f in fields) + "|" + secret
    message["MaXacThuc"] = hashlib.sha256(signed.encode("utf-8")).hexdigest()
    return message


def forged_payment_confirmation_refused(portals: Portals, platform: Platform, procedure: ProcedurePick,
                                        files: SampleFiles, *, officers_at_work: bool = False) -> str:
    """Someone posts a badly signed "paid" confirmation for the citizen's open payment: the portal refuses it
    and the dossier stays unpaid. Returns the dossier code."""
    code = submit_dossier(portals, platform, procedure,
                          Submission(files=files.good, result_delivery="online", payment="online"),
                          officers_at_work=officers_at_work)
    with step("Mở trang thanh toán (chưa thanh toán)"):
        portals.provincial.open_dossier(code)
        portals.provincial.start_payment()
        checkout = portals.payment.details()
    with step("Gửi bản tin xác nhận giả mạo (sai MaXacThuc) tới cổng tỉnh"):
        transaction = platform.payment.transactions(checkout.reference)[0]
        partner = next(p for p in platform.payment.call("GET", "/_admin/partners", admin=True)["partners"]
                       if p["code"] == transaction["partner_code"])
        answer = requests.post(partner["callback_url"],
                               json=forged_confirmation(checkout.reference, checkout.amount, partner["code"]),
                               headers={"X-DVC-Namespace": platform.provincial.namespace}, timeout=10)
        try:
            result = answer.json().get("MaLoi")
        except ValueError:
            result = None
        assert answer.status_code in (400, 401, 403) and result not in (None, "00"), (
            f"the portal accepted a badly signed confirmation: HTTP {answer.status_code} {answer.text[:200]}")
    with step("Kiểm tra: hồ sơ vẫn chưa thanh toán"):
        view = portals.provincial.open_dossier(code)
        assert view.payment.startswith(UNPAID), f"a forged confirmation made the dossier {view.payment!r}"
        assert not view.receipt_available
    return code


# -- 9. VNeID (since 1 July 2024) and the two tiers (since 1 July 2025) ---------------------------------------------
# Decree 69/2024/NĐ-CP: citizens log in with their VNeID electronic identity, which DVCQG federates; Decision
# 759/QĐ-TTg and Resolution 1659/NQ-UBTVQH15: no district-level unit, thành phố Đà Nẵng of 94 commune-level units.
BEFORE_TWO_TIERS = "2025-06-30T10:00:00+07:00"     # a Monday: three tiers, Quảng Nam
AFTER_TWO_TIERS = "2025-07-01T08:00:00+07:00"      # the first morning of two tiers
BEFORE_VNEID = "2024-06-28T09:00:00+07:00"         # a Friday: DVCQG still registers citizens with one-time codes
DISTRICT_LEVEL_3 = ProcedureNeed((3,), tier="district", fee=True, fee_timing="before")


def _start_provincial_log_in(portals: Portals) -> None:
    portals.provincial.home()
    portals.provincial.start_log_in()


def _waiting_for_the_app(portals: Portals, citizen: Mapping[str, Any], name: str) -> None:
    """From the provincial portal's log-in to VNeID's wait for the holder's app (the number and password given)."""
    with step(name):
        _start_provincial_log_in(portals)
        refused = portals.national.start_vneid(str(citizen["username"]), str(citizen["password"]))
        assert not refused, f"VNeID's log-in did not wait for the app: {refused}"


def vneid_log_in_by_app(portals: Portals, app: Any, back_office: PortalBackOffice,
                        citizen: Mapping[str, Any]) -> None:
    """The holder's app is asked and nobody else's; approved there, the citizen is back on the provincial portal,
    whose first log-in made the local account."""
    _waiting_for_the_app(portals, citizen, "Đăng nhập bằng tài khoản định danh điện tử VNeID: số định danh và mật "
                                           "khẩu, chờ ứng dụng xác nhận")
    with step("Ứng dụng VNeID của chủ tài khoản nhận yêu cầu xác nhận, rồi xác nhận"):
        asked = app.pending(str(citizen["username"]))
        assert len(asked) == 1 and asked[0]["method"] == "password", f"the app shows {asked}"
        app.approve(asked[0]["id"])
    with step("Quay lại Cổng DVC tỉnh: đã đăng nhập, tài khoản địa phương được tạo"):
        refused = portals.national.finish_vneid()
        assert not refused, f"the approved log-in did not go through: {refused}"
        portals.provincial.expect_logged_in(str(citizen["full_name"]))
        assert [login["rule"] for login in _my_logins(back_office, citizen)] == ["created"]


def vneid_log_in_by_qr(portals: Portals, app: Any, citizen: Mapping[str, Any]) -> None:
    """The page shows a QR code; the holder's app scans it, and the citizen is logged in without a password."""
    with step("Đăng nhập bằng mã QR: trang VNeID hiện mã"):
        _start_provincial_log_in(portals)
        code = portals.national.start_vneid_qr()
        assert code, "no QR code shown"
    with step("Ứng dụng VNeID quét mã QR"):
        app.scan(code, str(citizen["username"]))
    with step("Quay lại Cổng DVC tỉnh: đã đăng nhập"):
        refused = portals.national.finish_vneid()
        assert not refused, f"the scanned log-in did not go through: {refused}"
        portals.provincial.expect_logged_in(str(citizen["full_name"]))


def _nothing_made(platform: Platform, back_office: PortalBackOffice, citizen: Mapping[str, Any]) -> None:
    assert platform.national.account(str(citizen["username"])) is None, "DVCQG made an account"
    assert not _mine(back_office, citizen), "the provincial portal made a local account"


def vneid_approval_denied(portals: Portals, platform: Platform, app: Any, back_office: PortalBackOffice,
                          citizen: Mapping[str, Any]) -> str:
    """The holder denies the log-in in the app: the page says VNeID refused it, and no account is made."""
    _waiting_for_the_app(portals, citizen, "Đăng nhập bằng VNeID, chờ ứng dụng xác nhận")
    with step("Chủ tài khoản từ chối trên ứng dụng VNeID"):
        [asked] = app.pending(str(citizen["username"]))
        app.deny(asked["id"])
    with step("Kiểm tra: trang báo VNeID không cho phép đăng nhập, không tạo tài khoản nào"):
        message = portals.national.finish_vneid()
        assert "VNeID" in message and "không cho phép" in message, f"after a denial the page says {message!r}"
        _nothing_made(platform, back_office, citizen)
    return message


def vneid_approval_expired(portals: Portals, app: Any, citizen: Mapping[str, Any]) -> str:
    """Nobody answers in the app: the approval expires, the page asks to log in again, and the next try goes
    through."""
    _waiting_for_the_app(portals, citizen, "Đăng nhập bằng VNeID, chờ ứng dụng xác nhận")
    with step("Yêu cầu xác nhận hết hạn (không ai trả lời trên ứng dụng)"):
        [asked] = app.pending(str(citizen["username"]))
        app.expire(asked["id"])
        message = portals.national.finish_vneid()
        assert "hết hạn" in message, f"after the approval expired the page says {message!r}"
    log_in_provincial(portals, citizen, app=app)
    return message


def legacy_account_refused_then_linked(portals: Portals, platform: Platform, app: Any,
                                       person: Mapping[str, Any]) -> None:
    """An account DVCQG registered before 1 July 2024: its password is refused with a message naming VNeID and how to
    link; the first VNeID log-in links it by the ID number (the same TechID)."""
    with step("Chuẩn bị: tài khoản Cổng DVC quốc gia đăng ký trước ngày 01/7/2024"), clock_kept(platform):
        platform.national.set_clock(BEFORE_VNEID, frozen=False)
        username = str(platform.national.register_active(dict(person))["username"])
        before = platform.national.account(username)
        assert before is not None and not before["linked_to_vneid"]
    with step("Đăng nhập bằng mật khẩu Cổng DVC quốc gia: bị từ chối, hướng dẫn dùng VNeID"):
        message = portals.national.log_in_refused(username, str(person["password"]))
        assert "VNeID" in message and "liên kết" in message, f"the refusal says {message!r}"
    with step("Công dân có tài khoản định danh điện tử VNeID mức độ 2"):
        app.person(dict(person), level=2)
    citizen = {**person, "username": username, "log_in": "vneid"}
    log_in_provincial(portals, citizen, app=app)
    with step("Kiểm tra: tài khoản cũ được liên kết theo số định danh, giữ TechID"):
        after = platform.national.account(username)
        assert after is not None and after["linked_to_vneid"], f"the account after the VNeID log-in: {after}"
        assert after["tech_id"] == before["tech_id"], "a new account was made instead of linking the old one"


def identity_level_1_refused(portals: Portals, procedure: ProcedurePick, files: SampleFiles,
                             citizen: Mapping[str, Any], app: Any) -> str:
    """A level-1 identity logs in, but a procedure that needs level 2 refuses its dossier, saying so; none is made."""
    log_in_provincial(portals, citizen, app=app)
    with step("Xem danh sách hồ sơ của tôi"):
        before = portals.provincial.my_dossiers()
    find_by_search(portals, procedure)
    with step("Nộp hồ sơ với tài khoản định danh điện tử mức độ 1"):
        portals.provincial.start_submission(procedure.agency_name)
        message = portals.provincial.submit_refused(Submission(files=files.good, result_delivery="counter"))
    with step("Kiểm tra: yêu cầu tài khoản định danh điện tử mức độ 2, không có hồ sơ mới"):
        assert "mức độ 2" in message, f"refusal: {message!r}"
        assert portals.provincial.my_dossiers() == before, "a dossier was made anyway"
    return message


def vneid_down(portals: Portals, platform: Platform, faults: Any, back_office: PortalBackOffice,
               citizen: Mapping[str, Any], app: Any) -> str:
    """VNeID does not answer: DVCQG's page says so and sends nobody there; nothing is half-created; once VNeID is
    back the log-in goes through."""
    with step("VNeID ngừng hoạt động (503)"):
        faults.error("vneid", "*", status=503)
    try:
        with step("Đăng nhập bằng VNeID: trang báo VNeID đang gián đoạn"):
            _start_provincial_log_in(portals)
            message = portals.national.start_vneid(str(citizen["username"]), str(citizen["password"]))
            assert "VNeID" in message and "gián đoạn" in message, f"with VNeID down the page says {message!r}"
    finally:
        faults.clear()
    with step("Kiểm tra: không có yêu cầu xác nhận, không tạo tài khoản nào"):
        assert app.pending(str(citizen["username"])) == [], "an approval was asked of a VNeID that is down"
        _nothing_made(platform, back_office, citizen)
    log_in_provincial(portals, citizen, app=app)
    return message


def former_district_procedure_at_a_commune(portals: Portals, platform: Platform, procedure: ProcedurePick,
                                           files: SampleFiles, address: PostalAddress) -> str:
    """A procedure of the former district tier, filed at a commune with the result by post to a two-level address
    (province and commune, ward or special zone). Returns the dossier code."""
    assert procedure.tier == "commune", f"{procedure.name} is not offered at a commune: {procedure.tier}"
    assert not address.district and address.commune, f"not a two-level address: {address}"
    code, _ = submit_by_post(portals, platform, procedure, files, address,
                             "Kiểm tra: hồ sơ của xã, địa chỉ hai cấp được lưu")
    return code


@contextmanager
def clock_kept(platform: Platform) -> Iterator[None]:
    """The namespace's clock as it was, once a journey that moves it is done (a pinned namespace, --dvc-namespace,
    holds the next journeys and the load too)."""
    before = platform.national.clock()
    try:
        yield
    finally:
        if before.get("mode") in ("real", "stack"):
            platform.national.call("POST", "/_admin/clock", admin=True, json={"real": True})
        else:
            platform.national.set_clock(str(before["now"]), frozen=before.get("mode") == "frozen")


def eve_of_two_tiers(platform: Platform) -> None:
    """The namespace's clock on 30 June 2025 (three tiers, Quảng Nam; citizens on VNeID already)."""
    with step("Đồng hồ: 30/06/2025, chính quyền ba cấp"):
        platform.national.set_clock(BEFORE_TWO_TIERS, frozen=False)


def dossier_crossing_1_july_2025(portals: Portals, platform: Platform, back_office: PortalBackOffice,
                                 files: SampleFiles) -> str:
    """A dossier at a district agency on 30 June 2025 (`eve_of_two_tiers`, the citizen then logged in); the clock
    crosses into 1 July: the dossier goes on at the receiving unit under its code, on both portals, and the
    national portal is told the new unit. Returns the code. The procedure comes from the portal's catalogue of
    that day (its back office): a portal with no district-level procedure then skips the journey."""
    with step("Chọn thủ tục cấp huyện trong danh mục ngày 30/06/2025"):
        try:
            procedure = pick_for(back_office, DISTRICT_LEVEL_3)
        except LookupError as exc:
            raise StepUnavailable(str(exc)) from None
    code = submit_dossier(portals, platform, procedure, Submission(files=files.good, result_delivery="counter"))
    with step("Đồng hồ sang 01/07/2025: chính quyền hai cấp"):
        platform.national.set_clock(AFTER_TWO_TIERS, frozen=False)
    with step("Kiểm tra: hồ sơ vẫn mở được theo mã, đã chuyển cho đơn vị tiếp nhận"):
        view = portals.provincial.open_dossier(code)
        assert view.code == code and view.status == NEW, f"after 1 July 2025 the dossier shows {view}"
        platform.provincial.flush_outbox()
    with step("Kiểm tra: Cổng DVC quốc gia biết đơn vị mới (madonvi), cùng mã hồ sơ"):
        found = platform.national.lookup(code)
        assert found["agency_code"] != procedure.agency_code, f"the national portal still has {found['agency_code']}"
    track_dossier(portals, code, NEW)
    return code
