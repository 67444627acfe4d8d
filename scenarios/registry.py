"""The citizen journeys, each defined once and run by the drivers: the browser (page objects in Playwright), the API
(the portal's HTTP layer, no browser) and the load (the same HTTP steps in Locust users). Rows 1 to 8 of the
README's table run in all three; the VNeID and two-tier journeys (rows 9, 10) in the browser and the API (TODAY).

A journey is a function of a `JourneyContext` (scenarios.context) and an entry below saying what it needs:
the kinds of procedure (harness.procedure_needs), the back-office methods (scenarios.portal.PortalBackOffice)
and the emulators' test control it uses. From the entries come the pytest suite
(scenarios/suites/test_citizen_journeys.py: one test per journey, in the driver `--dvc-driver` chooses), the
load's mix (a profile's `[mix]` weighs journeys by name) and `dvc-harness journeys`. Adding a journey is
writing its function and its entry.

`row` is the journey's row in the README's table of citizen journeys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.control import Faults
from harness.procedure_needs import NEEDS
from harness.steps import StepUnavailable, skipped, step
from scenarios import journeys
from scenarios.context import JourneyContext

DRIVERS = ("browser", "api", "load")
# Not the load's: the journeys that wait for a decision in the VNeID app (the load's namespace approves every log-in
# at once), break VNeID or move the namespace's clock (every visitor's world would move with it), and the filing at a
# commune of a former district procedure, whose procedure only the two-tier catalogue has: the load picks the
# procedures of its whole mix before it starts, and refuses a mix its namespace's catalogue cannot serve.
TODAY = ("browser", "api")
# What the journeys may ask of the emulators' test control (harness.clients.Platform), in words.
CONTROL = {"otp": "the national portal's outbox (the one-time code)", "bank": "the payment platform's bank "
           "(a late answer settled)", "post": "the postal service (an item moved to delivery)",
           "payments": "the payment platform's transactions",
           "app": "the VNeID app (a log-in approved, denied, left to expire, a QR code scanned)",
           "clock": "the namespace's clock (moved across a date)", "faults": "the emulators' faults (VNeID down)",
           "outbox": "the provincial portal's outbox (flushed to the national sync)"}


@dataclass(frozen=True)
class Journey:
    name: str                           # the test's id, the load's [mix] key
    row: int                            # the README's table of citizen journeys
    title: str                          # what the citizen does
    run: Callable[[JourneyContext], Any]
    procedures: tuple[str, ...] = ()    # kinds of procedure (harness.procedure_needs.NEEDS)
    back_office: tuple[str, ...] = ()   # PortalBackOffice methods
    control: tuple[str, ...] = ()       # the emulators' test control (CONTROL)
    drivers: tuple[str, ...] = DRIVERS

    def needs(self) -> list[str]:
        """What the journey needs, in words (for `dvc-harness journeys` and the skips)."""
        said = [NEEDS[kind].describe() for kind in self.procedures]
        said += [f"the back office's {method}" for method in self.back_office]
        said += [CONTROL[what] for what in self.control]
        return said


# -- the definitions ----------------------------------------------------------------------------------------------
def _logged_in(ctx: JourneyContext) -> dict[str, Any]:
    citizen = ctx.citizen()
    ctx.log_in(citizen)
    return citizen


def register(ctx: JourneyContext) -> None:
    """A citizen's first account on the national portal: the registration form and its one-time code before
    1 July 2024; from then on the first VNeID log-in makes it (Decree 69/2024/NĐ-CP)."""
    if ctx.uses_vneid:
        citizen = ctx.citizen(fresh=True)       # an electronic identity, no DVCQG account yet
        journeys.first_vneid_log_in_makes_the_account(ctx.portals, ctx.app, citizen)
    else:
        person = ctx.data.citizen()
        citizen = {**person, "username": journeys.register_on_national_portal(ctx.portals, ctx.platform, person)}
    ctx.citizens.registered(ctx, citizen)
    journeys.log_in_provincial(ctx.portals, citizen, password_asked=False)


def sso_first_log_in(ctx: JourneyContext) -> None:
    journeys.first_sso_log_in_creates_account(ctx.portals, ctx.back_office, ctx.citizen(fresh=True), ctx.app)


def sso_links_local_account(ctx: JourneyContext) -> None:
    journeys.sso_log_in_links_local_account(ctx.portals, ctx.back_office, ctx.citizen(fresh=True), ctx.app)


def browse(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("browse")
    journeys.find_by_search(ctx.portals, procedure)
    journeys.find_by_agency(ctx.portals, procedure)


def find_by_tier(ctx: JourneyContext) -> None:
    journeys.find_by_tier(ctx.portals, ctx.procedure("commune"))


def level2_not_online(ctx: JourneyContext) -> None:
    journeys.level2_not_online(ctx.portals, ctx.procedure("level2"))


def level3(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level3_fee")
    _logged_in(ctx)
    journeys.submit_level3_dossier(ctx.portals, ctx.platform, procedure, ctx.files,
                                   officers_at_work=ctx.officers_at_work)


def level4(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_online")
    _logged_in(ctx)
    journeys.submit_level4_and_pay(ctx.portals, ctx.platform, procedure, ctx.files,
                                   officers_at_work=ctx.officers_at_work)


def level4_post(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_post")
    citizen = _logged_in(ctx)
    journeys.postal_return(ctx.portals, ctx.platform, ctx.back_office, procedure, ctx.files, ctx.address(citizen),
                           officers_at_work=ctx.officers_at_work)


def track(ctx: JourneyContext) -> None:
    """A returning citizen: their dossier, looked up by code on both portals with the status their page shows;
    once the result is ready, both show it; an unknown code is found on neither."""
    citizen, code = ctx.returning()
    ctx.log_in(citizen)
    with step("Hồ sơ của tôi: hồ sơ đã nộp có trong danh sách"):
        assert code in ctx.portals.provincial.my_dossiers(), f"{code} is not among the citizen's dossiers"
        view = ctx.portals.provincial.open_dossier(code)
    journeys.track_dossier(ctx.portals, code, view.status, officers_at_work=ctx.officers_at_work)
    if view.status == journeys.NEW:
        journeys.record_result(ctx.portals, ctx.back_office, code, officers_at_work=ctx.officers_at_work)
        # a fee still owed online holds the result (Decree 45/2020: 6), also while a payment waits at the bank (no
        # checkout is offered then); otherwise it is ready (9)
        pending = view.payment != journeys.UNPAID
        held = view.payment.startswith(journeys.UNPAID) and (view.can_pay_online or pending)
        journeys.track_dossier(ctx.portals, code, journeys.FINANCIAL if held else journeys.DONE,
                               officers_at_work=ctx.officers_at_work)
    else:       # a returning visitor of the load whose dossier has moved on already
        skipped("Có kết quả: cả hai cổng cùng cập nhật", f"the dossier is already {view.status!r}")
    journeys.unknown_dossier_not_found(ctx.portals, code[:-4] + "9999")


def payment_cancelled(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_online")
    _logged_in(ctx)
    journeys.payment_cancelled_then_retried(ctx.portals, ctx.platform, procedure, ctx.files,
                                            officers_at_work=ctx.officers_at_work)


def payment_pending(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_online")
    _logged_in(ctx)
    journeys.payment_pending_at_bank_timeout(ctx.portals, ctx.platform, procedure, ctx.files,
                                             officers_at_work=ctx.officers_at_work)


def postal_return_paid_at_counter(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_post")
    citizen = _logged_in(ctx)
    journeys.postal_return_needs_online_payment(ctx.portals, procedure, ctx.files, ctx.address(citizen))


def bad_attachment(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level3_fee")
    _logged_in(ctx)
    journeys.bad_attachment_refused(ctx.portals, procedure, ctx.files)


def forged_confirmation(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_online")
    _logged_in(ctx)
    journeys.forged_payment_confirmation_refused(ctx.portals, ctx.platform, procedure, ctx.files,
                                                 officers_at_work=ctx.officers_at_work)


def _needs_vneid(ctx: JourneyContext) -> Any:
    """The VNeID app the journey decides in; the journey is skipped, saying why, before 1 July 2024."""
    if ctx.world is not None and not ctx.world.citizens_use_vneid:
        raise StepUnavailable(f"citizens log in with VNeID from 2024-07-01; this namespace's date is {ctx.world.day}")
    return ctx.app_needed()


def _fresh(ctx: JourneyContext, *, level: int = 2) -> dict[str, Any]:
    """A citizen with a VNeID identity of `level` and no account anywhere yet."""
    return ctx.platform.ready_account(ctx.data.citizen(), level=level)


def vneid_log_in_by_app(ctx: JourneyContext) -> None:
    app = _needs_vneid(ctx)
    journeys.vneid_log_in_by_app(ctx.portals, app, ctx.back_office, _fresh(ctx))


def vneid_log_in_by_qr(ctx: JourneyContext) -> None:
    app = _needs_vneid(ctx)
    journeys.vneid_log_in_by_qr(ctx.portals, app, _fresh(ctx))


def vneid_approval_denied(ctx: JourneyContext) -> None:
    app = _needs_vneid(ctx)
    journeys.vneid_approval_denied(ctx.portals, ctx.platform, app, ctx.back_office, _fresh(ctx))


def vneid_approval_expired(ctx: JourneyContext) -> None:
    app = _needs_vneid(ctx)
    journeys.vneid_approval_expired(ctx.portals, app, _fresh(ctx))


def vneid_legacy_account_refused_then_linked(ctx: JourneyContext) -> None:
    app = _needs_vneid(ctx)
    journeys.legacy_account_refused_then_linked(ctx.portals, ctx.platform, app, ctx.data.citizen())


def vneid_level_1_refused_where_2_is_required(ctx: JourneyContext) -> None:
    app = _needs_vneid(ctx)
    procedure = ctx.procedure("identity_level_2")
    journeys.identity_level_1_refused(ctx.portals, procedure, ctx.files, _fresh(ctx, level=1), app)


def vneid_down(ctx: JourneyContext) -> None:
    app = _needs_vneid(ctx)
    faults = Faults(ctx.platform.info, ctx.platform.national.namespace)
    journeys.vneid_down(ctx.portals, ctx.platform, faults, ctx.back_office, _fresh(ctx), app)


def two_tier_former_district_procedure_at_a_commune(ctx: JourneyContext) -> None:
    if ctx.world is not None and not ctx.world.two_tiers:
        raise StepUnavailable(f"two tiers from 2025-07-01; this namespace's date is {ctx.world.day}")
    procedure = ctx.procedure("former_district")
    citizen = _logged_in(ctx)
    journeys.former_district_procedure_at_a_commune(ctx.portals, ctx.platform, procedure, ctx.files,
                                                    ctx.address(citizen))


def two_tier_dossier_crossing_1_july_2025(ctx: JourneyContext) -> None:
    with journeys.clock_kept(ctx.platform):
        journeys.eve_of_two_tiers(ctx.platform)     # first: the citizen is one of that date's world
        _logged_in(ctx)
        journeys.dossier_crossing_1_july_2025(ctx.portals, ctx.platform, ctx.back_office, ctx.files)


# -- the entries ----------------------------------------------------------------------------------------------------
JOURNEYS: tuple[Journey, ...] = (
    Journey("register", 1, "Tài khoản Cổng DVC quốc gia: đăng ký bằng mã OTP (đến 30/6/2024), từ 1/7/2024 tạo khi "
            "đăng nhập VNeID lần đầu; vào Cổng DVC tỉnh không hỏi lại mật khẩu · the citizen's first national "
            "account (OTP registration, then the first VNeID log-in) and log in", register, control=("otp", "app")),
    Journey("sso_first_log_in", 2, "Lần đăng nhập SSO đầu tiên tạo tài khoản địa phương · the first SSO log-in creates "
            "the local account", sso_first_log_in, back_office=("local_accounts", "local_logins")),
    Journey("sso_links_local_account", 2, "Đăng nhập SSO liên kết tài khoản có sẵn theo số định danh · an SSO log-in "
            "links an existing account by ID number", sso_links_local_account,
            back_office=("create_local_account", "local_accounts", "local_logins")),
    Journey("browse", 3, "Tìm thủ tục trong 3 lần nhấp: bằng ô tìm kiếm và theo cơ quan · find a procedure by search "
            "and by agency", browse, procedures=("browse",)),
    Journey("find_by_tier", 3, "Tìm thủ tục theo cấp thực hiện · find a procedure by tier", find_by_tier,
            procedures=("commune",)),
    Journey("level3", 4, "Nộp hồ sơ mức độ 3 có đính kèm, phí nộp tại cơ quan · a level-3 dossier, the fee at the "
            "counter", level3, procedures=("level3_fee",)),
    Journey("level4", 5, "Nộp hồ sơ mức độ 4, thanh toán trực tuyến, biên lai điện tử · a level-4 dossier paid "
            "online, its e-receipt", level4, procedures=("level4_online",)),
    Journey("level4_post", 6, "Mức độ 4 nhận kết quả qua bưu chính: vận đơn, phát thành công · a level-4 dossier with "
            "a postal return, tracked to delivery", level4_post, procedures=("level4_post",),
            back_office=("result_ready",), control=("post",)),
    Journey("track", 7, "Tra cứu hồ sơ theo mã trên cả hai cổng · track a dossier by code on both portals", track,
            procedures=("level3_fee",), back_office=("result_ready",)),
    Journey("payment_cancelled", 8, "Hủy thanh toán rồi thanh toán lại · a payment cancelled, then retried",
            payment_cancelled, procedures=("level4_online",), control=("payments",)),
    Journey("payment_pending", 8, "Ngân hàng không phản hồi: chờ kết quả · a bank time-out left pending",
            payment_pending, procedures=("level4_online",), control=("bank",)),
    Journey("level2_not_online", 8, "Thủ tục mức độ 2 không nộp trực tuyến · a level-2 procedure is not online",
            level2_not_online, procedures=("level2",)),
    Journey("postal_return_paid_at_counter", 8, "Nhận qua bưu chính nhưng nộp phí tại cơ quan: bị từ chối · a postal "
            "return paid at the counter is refused", postal_return_paid_at_counter, procedures=("level4_post",)),
    Journey("bad_attachment", 8, "Tệp văn bản đổi đuôi .pdf bị từ chối · a text file named .pdf is refused",
            bad_attachment, procedures=("level3_fee",)),
    Journey("forged_confirmation", 8, "Xác nhận thanh toán giả mạo bị từ chối · a forged payment confirmation is "
            "refused", forged_confirmation, procedures=("level4_online",), control=("payments",)),
    Journey("vneid_log_in_by_app", 9, "Đăng nhập bằng VNeID, xác nhận trên ứng dụng · a VNeID log-in approved in the "
            "app", vneid_log_in_by_app, back_office=("local_logins",), control=("app",), drivers=TODAY),
    Journey("vneid_log_in_by_qr", 9, "Đăng nhập bằng mã QR quét trên ứng dụng VNeID · a VNeID log-in by QR code",
            vneid_log_in_by_qr, control=("app",), drivers=TODAY),
    Journey("vneid_approval_denied", 9, "Từ chối trên ứng dụng VNeID: không tạo tài khoản · an approval denied, "
            "nothing made", vneid_approval_denied, back_office=("local_accounts",), control=("app",), drivers=TODAY),
    Journey("vneid_approval_expired", 9, "Yêu cầu xác nhận hết hạn, đăng nhập lại · an approval left to expire, "
            "then logged in", vneid_approval_expired, control=("app",), drivers=TODAY),
    Journey("vneid_legacy_account_refused_then_linked", 9, "Tài khoản Cổng DVC quốc gia cũ: mật khẩu bị từ chối, "
            "liên kết khi đăng nhập VNeID · a legacy account refused, then linked",
            vneid_legacy_account_refused_then_linked, control=("app", "otp", "clock"), drivers=TODAY),
    Journey("vneid_level_1_refused_where_2_is_required", 9, "Tài khoản định danh mức độ 1 bị từ chối ở thủ tục cần "
            "mức độ 2 · a level-1 identity refused where level 2 is required",
            vneid_level_1_refused_where_2_is_required, procedures=("identity_level_2",), control=("app",),
            drivers=TODAY),
    Journey("vneid_down", 9, "VNeID gián đoạn: trang báo lỗi, không tạo dở dang · VNeID down, nothing half-created",
            vneid_down, back_office=("local_accounts",), control=("app", "faults"), drivers=TODAY),
    Journey("two_tier_former_district_procedure_at_a_commune", 10, "Thủ tục cấp huyện cũ nộp tại xã, nhận kết quả "
            "qua bưu chính về địa chỉ hai cấp · a former district procedure at a commune, a two-level address",
            two_tier_former_district_procedure_at_a_commune, procedures=("former_district",), drivers=TODAY),
    Journey("two_tier_dossier_crossing_1_july_2025", 10, "Hồ sơ tại cơ quan cấp huyện qua ngày 01/7/2025: chuyển "
            "cho đơn vị tiếp nhận · a dossier crossing 1 July 2025", two_tier_dossier_crossing_1_july_2025,
            back_office=("catalogue",), control=("clock", "outbox"), drivers=TODAY),
)
BY_NAME: dict[str, Journey] = {j.name: j for j in JOURNEYS}


def named(name: str) -> Journey:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no journey named {name!r} (known: {', '.join(BY_NAME)})") from None


__all__ = ["BY_NAME", "DRIVERS", "JOURNEYS", "Journey", "named"]
