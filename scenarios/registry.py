"""The citizen journeys, each defined once and run by every driver: the browser (page objects in Playwright),
the API (the portal's HTTP layer, no browser) and the load (the same HTTP steps in Locust users).

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

from harness.procedure_needs import NEEDS
from harness.steps import skipped, step
from scenarios import journeys
from scenarios.context import JourneyContext

DRIVERS = ("browser", "api", "load")
# What the journeys may ask of the emulators' test control (harness.clients.Platform), in words.
CONTROL = {"otp": "the national portal's outbox (the one-time code)", "bank": "the payment platform's bank "
           "(a late answer settled)", "post": "the postal service (an item moved to delivery)",
           "payments": "the payment platform's transactions"}


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
    person = ctx.data.citizen()
    username = journeys.register_on_national_portal(ctx.portals, ctx.platform, person)
    citizen = {**person, "username": username}
    ctx.citizens.registered(ctx, citizen)
    journeys.log_in_provincial(ctx.portals, citizen, password_asked=False)


def sso_first_log_in(ctx: JourneyContext) -> None:
    journeys.first_sso_log_in_creates_account(ctx.portals, ctx.back_office, ctx.citizen(fresh=True))


def sso_links_local_account(ctx: JourneyContext) -> None:
    journeys.sso_log_in_links_local_account(ctx.portals, ctx.back_office, ctx.citizen(fresh=True))


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
    journeys.submit_level3_dossier(ctx.portals, ctx.platform, procedure, ctx.files)


def level4(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_online")
    _logged_in(ctx)
    journeys.submit_level4_and_pay(ctx.portals, ctx.platform, procedure, ctx.files)


def level4_post(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_post")
    citizen = _logged_in(ctx)
    journeys.postal_return(ctx.portals, ctx.platform, ctx.back_office, procedure, ctx.files, ctx.address(citizen))


def track(ctx: JourneyContext) -> None:
    """A returning citizen: their dossier, looked up by code on both portals with the status their page shows;
    once the result is ready, both show it; an unknown code is found on neither."""
    citizen, code = ctx.returning()
    ctx.log_in(citizen)
    with step("Hồ sơ của tôi: hồ sơ đã nộp có trong danh sách"):
        assert code in ctx.portals.provincial.my_dossiers(), f"{code} is not among the citizen's dossiers"
        view = ctx.portals.provincial.open_dossier(code)
    journeys.track_dossier(ctx.portals, code, view.status)
    if view.status == journeys.NEW:
        ctx.back_office.result_ready(code)
        # a fee still to be paid online holds the result (Decree 45/2020: 6); otherwise it is ready (9)
        held = view.can_pay_online and view.payment.startswith(journeys.UNPAID)
        journeys.track_dossier(ctx.portals, code, journeys.FINANCIAL if held else journeys.DONE)
    else:       # a returning visitor of the load whose dossier has moved on already
        skipped("Có kết quả: cả hai cổng cùng cập nhật", f"the dossier is already {view.status!r}")
    journeys.unknown_dossier_not_found(ctx.portals, code[:-4] + "9999")


def payment_cancelled(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_online")
    _logged_in(ctx)
    journeys.payment_cancelled_then_retried(ctx.portals, ctx.platform, procedure, ctx.files)


def payment_pending(ctx: JourneyContext) -> None:
    procedure = ctx.procedure("level4_online")
    _logged_in(ctx)
    journeys.payment_pending_at_bank_timeout(ctx.portals, ctx.platform, procedure, ctx.files)


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
    journeys.forged_payment_confirmation_refused(ctx.portals, ctx.platform, procedure, ctx.files)


# -- the entries ----------------------------------------------------------------------------------------------------
JOURNEYS: tuple[Journey, ...] = (
    Journey("register", 1, "Đăng ký tài khoản Cổng DVC quốc gia (mã OTP), đăng nhập, vào Cổng DVC tỉnh không hỏi lại "
            "mật khẩu · register on the national portal and log in", register, control=("otp",)),
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
)
BY_NAME: dict[str, Journey] = {j.name: j for j in JOURNEYS}


def named(name: str) -> Journey:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no journey named {name!r} (known: {', '.join(BY_NAME)})") from None


__all__ = ["BY_NAME", "DRIVERS", "JOURNEYS", "Journey", "named"]
