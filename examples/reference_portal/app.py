"""The HTTP layer: citizen pages, the partners' callbacks, and a small admin surface. Rules live in dossiers.py."""

from __future__ import annotations

import hmac
import json
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from . import accounts, dossiers, national, payment, postal
from .accounts import SESSION_COOKIE
from .config import Config
from .dossiers import CATALOGUE, STATUS_NAMES, Refused
from .outbox import Outbox
from .payment import PaymentClient, PaymentError
from .store import Store

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ADDRESS_LABELS = {"name": "Họ tên người nhận", "phone": "Số điện thoại người nhận", "address": "Địa chỉ nhận",
                  "province": "Tỉnh/Thành phố", "district": "Quận/Huyện", "commune": "Phường/Xã"}
PAYMENT_NAMES = {"created": "Chưa thanh toán", "pending": "Đang chờ ngân hàng xác nhận", "paid": "Đã thanh toán",
                 "failed": "Không thành công"}
OUTCOMES = {"paid": (True, "Thanh toán thành công."), "failed": (False, "Thanh toán không thành công."),
            "pending": (False, "Giao dịch đang chờ ngân hàng xác nhận."), "created": (False, "Chưa thanh toán.")}


def money(amount: int) -> str:
    return f"{amount:,} đ".replace(",", ".")


def shown_time(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M %d/%m/%Y") if iso else ""


def error(code: str, vi: str, en: str, status: int, **protocol: Any) -> JSONResponse:
    """The house error body (docs/protocols.md), plus the protocol's own result field when it has one."""
    return JSONResponse({**protocol, "error": {"code": code, "message": f"{vi} / {en}", "message_vi": vi,
                                               "message_en": en}}, status_code=status)


class Portal:
    """The running portal's parts: state, the partners' clients, the outbox."""

    def __init__(self, config: Config) -> None:
        self.store = Store(config.database)
        # Credentials not given are generated once and kept, so restarts re-register the same ones.
        config.client_secret = self.store.secret("client_secret", config.client_secret)
        config.partner_secret = self.store.secret("partner_secret", config.partner_secret)
        config.postal_token = self.store.secret("postal_token", config.postal_token)
        config.sync_password = self.store.secret("sync_password", config.sync_password)
        self.config = config
        self.http = requests.Session()
        self.http.headers.update(config.outgoing_headers)
        self.oidc = national.OidcClient(config, self.http)
        self.payment = PaymentClient(config, self.http)
        self.outbox = Outbox(config, self.store, national.SyncClient(config, self.http), self.http)

    def register(self) -> None:
        """Our clients on the emulators' admin surfaces (only with their admin token)."""
        if self.config.admin_token:
            national.register(self.config, self.http)
            payment.register(self.config, self.http)
            postal.register(self.config, self.http)

    # -- views ----------------------------------------------------------------------------------
    def dossier_view(self, code: str) -> dict[str, Any]:
        row = self.store.one("SELECT * FROM dossiers WHERE code = ?", code)
        if row is None:
            raise Refused("DOSSIER_NOT_FOUND", f"Không tìm thấy hồ sơ {code}.", f"No dossier {code}.", 404)
        pays = self.store.all("SELECT * FROM payments WHERE code = ? ORDER BY created_at, reference", code)
        pending = any(p["status"] == "pending" for p in pays)
        address = json.loads(row["postal"] or "{}")
        if not row["fee"]:
            pay_text = ""
        elif row["paid"]:
            pay_text = "Đã thanh toán"
        elif row["payment_method"] == "counter":
            pay_text = "Chưa thanh toán — nộp tại cơ quan"
        else:
            pay_text = "Chưa thanh toán — đang chờ kết quả giao dịch" if pending else "Chưa thanh toán"
        return {
            **row, "procedure": CATALOGUE[row["procedure_code"]], "status_name": STATUS_NAMES[row["status"]],
            "submitted": shown_time(row["submitted_at"]), "appointment": shown_time(row["appointment"]),
            "fee_text": (money(row["fee"]) + (" — nộp tại cơ quan" if row["payment_method"] == "counter" else "")
                         if row["fee"] else "Không thu"), "payment_text": pay_text,
            "delivery_text": dossiers.DELIVERY_NAMES[row["result_delivery"]],
            "can_pay": bool(row["fee"] and row["payment_method"] == "online" and not row["paid"] and not pending
                            and row["status"] not in (3, 7, 8, 10)),
            "postal_text": ", ".join(address[k] for k in dossiers.ADDRESS_FIELDS if address.get(k)),
            "tracking_url": f"{self.config.postal}/tra-cuu?ma={row['waybill']}",
            "postal_events": self.store.all("SELECT * FROM postal_events WHERE code = ? ORDER BY at, id", code),
            "payments": [{**p, "amount_text": money(p["amount"]), "status_name": PAYMENT_NAMES[p["status"]]}
                         for p in pays],
            "history": [{**h, "at": shown_time(h["at"]), "status_name": STATUS_NAMES[h["status"]]}
                        for h in self.store.all("SELECT * FROM history WHERE code = ? ORDER BY id", code)],
        }

    def payment_outcome(self, reference: str, signed: dict[str, str]) -> dict[str, Any]:
        """Reconcile one transaction: QUERY the platform unless a final answer is already known."""
        pay = self.store.one("SELECT * FROM payments WHERE reference = ?", reference)
        if pay is None:
            raise Refused("PAYMENT_NOT_FOUND", "Không có giao dịch này.", "No such payment.", 404)
        if pay["status"] not in ("paid", "failed"):
            try:
                answer = self.payment.query(reference, dossiers.wire_time(dossiers.now_iso()))
                state = payment.STATES.get(int(answer["TrangThaiGD"]), "created")
                dossiers.apply_payment(self.store, reference, state, answer.get("MaGiaoDich") or "",
                                       answer.get("MaNganHang") or "")
            except PaymentError:  # the platform cannot answer now: the signed return is the best we know
                state = payment.STATES.get(int(signed.get("TrangThaiGD") or 0), "created")
                dossiers.apply_payment(self.store, reference, state, signed.get("MaGiaoDich", ""))
            self.outbox.kick()
        return self.store.one("SELECT * FROM payments WHERE reference = ?", reference) or pay


def create_app(config: Config) -> FastAPI:
    portal = Portal(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        await run_in_threadpool(portal.register)
        portal.outbox.start()
        yield
        portal.outbox.stop()

    app = FastAPI(title="Cổng DVC tham khảo (reference portal)", lifespan=lifespan)
    app.state.portal = portal
    store = portal.store

    def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        user = accounts.account_of(store, request.cookies.get(SESSION_COOKIE))
        return TEMPLATES.TemplateResponse(request, name, {"user": user, **context}, status_code=status)

    def refused_page(request: Request, exc: Refused) -> Response:
        return page(request, "message.html", exc.status, title="Không thực hiện được", message=exc.vi)

    def own_dossier(request: Request, code: str) -> tuple[dict[str, Any] | None, Response | None]:
        """The citizen's own dossier view, or the answer to give instead (log in; not found; not yours)."""
        user = accounts.account_of(store, request.cookies.get(SESSION_COOKIE))
        if user is None:
            return None, RedirectResponse(f"/dang-nhap?{urlencode({'next': request.url.path})}", 303)
        try:
            view = portal.dossier_view(code)
        except Refused as exc:
            return None, refused_page(request, exc)
        if view["account_id"] != user["id"]:
            return None, page(request, "message.html", 403, title="Không có quyền",
                              message="Hồ sơ này không phải của bạn.")
        return view, None

    # -- log-in through the national SSO ----------------------------------------------------------
    @app.get("/dang-nhap")
    def log_in(next: str = "/") -> Response:
        start = portal.oidc.start()
        with store.tx() as db:
            db.execute("INSERT INTO auth_requests VALUES (?, ?, ?, ?, ?)", (start.state, start.nonce, start.verifier,
                       next if next.startswith("/") and not next.startswith("//") else "/", dossiers.now_iso()))
        return RedirectResponse(start.url, 303)

    @app.get("/auth/callback")
    def auth_callback(request: Request, state: str = "", code: str = "", error: str = "",
                      error_description: str = "") -> Response:
        with store.tx() as db:
            pending = db.execute("SELECT * FROM auth_requests WHERE state = ?", (state,)).fetchone()
            db.execute("DELETE FROM auth_requests WHERE state = ?", (state,))
        if pending is None:
            return page(request, "message.html", 400, title="Đăng nhập không thành công",
                        message="Phiên đăng nhập không hợp lệ hoặc đã dùng (state).")
        if error or not code:
            return page(request, "message.html", 400, title="Đăng nhập không thành công",
                        message=f"Cổng DVC quốc gia từ chối: {error} {error_description}".strip())
        try:
            claims = portal.oidc.finish(code, pending["verifier"], pending["nonce"])
        except national.NationalError as exc:
            unreachable = "unreachable" in str(exc)
            return page(request, "message.html", 502 if unreachable else 400, title="Đăng nhập không thành công",
                        message=str(exc))
        account_id, _ = accounts.link(store, claims)
        answer = RedirectResponse(pending["next"], 303)
        answer.set_cookie(SESSION_COOKIE, accounts.open_session(store, account_id), httponly=True, samesite="lax")
        return answer

    @app.get("/api/me")
    def me(request: Request) -> Response:
        """The logged-in account as JSON, for programs (the harness's API driver checks who is logged in)."""
        user = accounts.account_of(store, request.cookies.get(SESSION_COOKIE))
        if user is None:
            return error("NOT_LOGGED_IN", "Chưa đăng nhập.", "Not logged in.", 401)
        return JSONResponse({"full_name": user["full_name"], "id_number": user["id_number"]})

    @app.get("/dang-xuat")
    def log_out(request: Request) -> Response:
        accounts.close_session(store, request.cookies.get(SESSION_COOKIE))
        answer = RedirectResponse("/", 303)
        answer.delete_cookie(SESSION_COOKIE)
        return answer

    # -- catalogue ----------------------------------------------------------------------------------
    @app.get("/")
    def home(request: Request) -> Response:
        tiers = sorted({a.tier for a in dossiers.AGENCIES.values()})
        return page(request, "home.html", title="Trang chủ", tiers=tiers, agencies=dossiers.AGENCIES.values())

    @app.get("/thu-tuc")
    def catalogue(request: Request, q: str = "", agency: str = "", tier: str = "") -> Response:
        title = dossiers.AGENCIES[agency].name if agency in dossiers.AGENCIES else tier or "Thủ tục hành chính"
        return page(request, "catalogue.html", title=title, levels=dossiers.LEVEL_LABELS,
                    procedures=dossiers.search(q, agency, tier))

    @app.get("/api/thu-tuc")
    def catalogue_json(q: str = "", tier: str = "", level: int | None = None) -> dict[str, Any]:
        """The catalogue as JSON (tier: province, district, commune), for programs: the harness's load users."""
        tier_name = {v: k for k, v in dossiers.TIER_KEYS.items()}.get(tier, tier)
        items = [dossiers.catalogue_item(p) for p in dossiers.search(q, "", tier_name)
                 if level is None or p.level == level]
        return {"total": len(items), "items": items}

    @app.get("/thu-tuc/{code}")
    def procedure_page(request: Request, code: str) -> Response:
        try:
            proc = dossiers.procedure(code)
        except Refused as exc:
            return refused_page(request, exc)
        return page(request, "procedure.html", title=proc.name, p=proc, levels=dossiers.LEVEL_LABELS,
                    fee=money(proc.fee) if proc.fee else "Không thu")

    # -- submission -----------------------------------------------------------------------------------
    def form_page(request: Request, proc: dossiers.Procedure, form: dict[str, Any], message: str = "",
                  status: int = 200) -> Response:
        deliveries = {k: v for k, v in dossiers.DELIVERY_NAMES.items()
                      if (k != "online" or proc.level == 4) and (k != "post" or proc.result_by_post)}
        return page(request, "form.html", status, title=f"Nộp hồ sơ: {proc.name}", p=proc, form=form,
                    error=message, deliveries=deliveries, address_labels=ADDRESS_LABELS)

    @app.get("/nop-ho-so/{code}")
    def submission_form(request: Request, code: str) -> Response:
        if accounts.account_of(store, request.cookies.get(SESSION_COOKIE)) is None:
            return RedirectResponse(f"/dang-nhap?{urlencode({'next': request.url.path})}", 303)
        try:
            return form_page(request, dossiers.procedure(code), {})
        except Refused as exc:
            return refused_page(request, exc)

    @app.post("/nop-ho-so/{code}")
    async def submit(request: Request, code: str) -> Response:
        user = accounts.account_of(store, request.cookies.get(SESSION_COOKIE))
        if user is None:
            return page(request, "message.html", 401, title="Chưa đăng nhập", message="Vui lòng đăng nhập.")
        try:
            proc = dossiers.procedure(code)
        except Refused as exc:
            return refused_page(request, exc)
        form = await request.form()
        upload = form.get("file")
        data = await upload.read() if upload is not None and not isinstance(upload, str) else b""
        name = upload.filename if upload is not None and not isinstance(upload, str) else ""
        fields = {n: str(form.get(f"f_{n}", "")) for n, _ in proc.fields}
        address = {k: str(form.get(f"postal_{k}", "")).strip() for k in dossiers.ADDRESS_FIELDS}
        try:
            dossier = await run_in_threadpool(
                dossiers.submit, store, user["id"], proc, fields, name or "", data,
                str(form.get("result_delivery", "counter")), str(form.get("payment_method") or "") or None, address)
        except Refused as exc:
            kept = {k: v for k, v in form.items() if isinstance(v, str)}
            return form_page(request, proc, kept, exc.vi, exc.status)
        portal.outbox.kick()
        return RedirectResponse(f"/ho-so/{dossier}", 303)

    # -- the citizen's dossiers ---------------------------------------------------------------------------
    @app.get("/ho-so")
    def my_dossiers(request: Request) -> Response:
        user = accounts.account_of(store, request.cookies.get(SESSION_COOKIE))
        if user is None:
            return RedirectResponse("/dang-nhap?next=/ho-so", 303)
        rows = store.all("SELECT code, procedure_code, status FROM dossiers WHERE account_id = ? ORDER BY "
                         "submitted_at DESC, code DESC", user["id"])
        rows = [{**r, "procedure": CATALOGUE[r["procedure_code"]].name, "status_name": STATUS_NAMES[r["status"]]}
                for r in rows]
        if wants_json(request):
            return JSONResponse({"items": rows})
        return page(request, "dossiers.html", title="Hồ sơ của tôi", rows=rows)

    @app.get("/ho-so/{code}")
    def dossier_page(request: Request, code: str) -> Response:
        view, answer = own_dossier(request, code)
        if answer is None and wants_json(request):
            return JSONResponse(_public(view or {}))
        return answer or page(request, "dossier.html", title=f"Hồ sơ {code}", d=view)

    @app.post("/ho-so/{code}/thanh-toan")
    def start_payment(request: Request, code: str) -> Response:
        view, answer = own_dossier(request, code)
        if answer:
            return answer
        assert view is not None
        if not view["can_pay"]:
            return page(request, "message.html", 409, title="Không thể thanh toán",
                        message="Hồ sơ không có khoản phí chờ thanh toán trực tuyến.")
        proc, user = view["procedure"], accounts.account_of(store, request.cookies.get(SESSION_COOKIE)) or {}
        reference = dossiers.next_reference(store, code)
        receipt = {"MaHoSo": code, "MaTTHC": proc.code, "MaDonVi": proc.agency.code,
                   "HoTenNguoiNop": user.get("full_name", ""), "SoCMNDNguoiNop": user.get("id_number", ""),
                   "PhiLePhi": [{"TenPhiLePhi": f"Lệ phí: {proc.name}"[:200], "SoTien": view["fee"]}]}
        try:
            answer_ = portal.payment.init(reference, view["fee"], dossiers.wire_time(dossiers.now_iso()),
                                          f"Nộp phí, lệ phí hồ sơ {code}", receipt,
                                          request.client.host if request.client else "")
        except PaymentError as exc:
            return page(request, "message.html", 502, title="Không kết nối được nền tảng thanh toán",
                        message=str(exc))
        dossiers.payment_started(store, code, reference, view["fee"], answer_["UrlThanhToan"])
        return RedirectResponse(answer_["UrlThanhToan"], 303)

    @app.get("/ho-so/{code}/bien-lai")
    def receipt(request: Request, code: str) -> Response:
        view, answer = own_dossier(request, code)
        if answer:
            return answer
        paid = [p for p in (view or {}).get("payments", []) if p["status"] == "paid"]
        if not paid:
            return page(request, "message.html", 404, title="Chưa có biên lai", message="Hồ sơ chưa thanh toán.")
        try:
            bill = portal.payment.bill(paid[-1]["reference"], dossiers.wire_time(dossiers.now_iso()))
        except PaymentError as exc:
            return page(request, "message.html", 502, title="Không lấy được biên lai", message=str(exc))
        return RedirectResponse(bill["UrlBienLai"], 303)

    @app.get("/ho-so/{code}/ket-qua")
    def result(request: Request, code: str) -> Response:
        view, answer = own_dossier(request, code)
        if answer:
            return answer
        try:
            dossiers.download_result(store, code)
        except Refused as exc:
            return refused_page(request, exc)
        portal.outbox.kick()
        text = f"KẾT QUẢ GIẢI QUYẾT HỒ SƠ {code}\n{(view or {})['procedure'].name}\n"
        return Response(text.encode(), media_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="ket-qua-{code}.txt"'})

    @app.get("/thanh-toan/ket-qua")
    def payment_return(request: Request) -> Response:
        params = dict(request.query_params)
        if not payment.signed_by_partner(params, payment.RETURN_FIELDS, config.partner_secret):
            return page(request, "message.html", 400, title="Kết quả thanh toán không hợp lệ",
                        message="Chữ ký (MaXacThuc) của kết quả thanh toán không đúng.")
        try:
            pay = portal.payment_outcome(params.get("MaThamChieu", ""), params)
        except Refused as exc:
            return refused_page(request, exc)
        ok, message = OUTCOMES[pay["status"]]
        return page(request, "payment_result.html", title="Kết quả thanh toán", ok=ok, message=message,
                    code=pay["code"])

    @app.get("/tra-cuu")
    def look_up(request: Request, ma: str = "") -> Response:
        found = None
        if ma.strip():
            try:
                found = portal.dossier_view(ma.strip())
            except Refused:
                found = None
        return page(request, "lookup.html", 200 if found or not ma else 404, title="Tra cứu hồ sơ",
                    code=ma.strip(), found=found)

    # -- the partners' callbacks ----------------------------------------------------------------------------
    @app.post("/api/payment/confirm")
    async def payment_confirm(request: Request) -> Response:
        try:
            body = await request.json()
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            return error("BAD_CONFIRMATION", "Bản tin không phải JSON.", "Not a JSON object.", 400, MaLoi="03")
        if body.get("MaDoiTac") != config.partner_code:
            return error("WRONG_PARTNER", "Sai mã đối tác.", "Wrong MaDoiTac.", 401, MaLoi="02")
        if not payment.signed_by_partner(body, payment.CONFIRM_FIELDS, config.partner_secret):
            return error("BAD_SIGNATURE", "Sai chữ ký MaXacThuc.", "Bad MaXacThuc signature.", 401, MaLoi="01")
        reference = str(body.get("MaThamChieu", ""))
        pay = store.one("SELECT * FROM payments WHERE reference = ?", reference)
        if pay is None:
            return error("PAYMENT_NOT_FOUND", "Không có giao dịch này.", "Unknown MaThamChieu.", 404, MaLoi="05")
        if str(body.get("SoTien")) != str(pay["amount"]):
            return error("WRONG_AMOUNT", "Số tiền không khớp.", "The amount does not match.", 400, MaLoi="03")
        try:
            state = payment.STATES[int(body.get("TrangThaiGD"))]  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            return error("BAD_CONFIRMATION", "TrangThaiGD không hợp lệ.", "Invalid TrangThaiGD.", 400, MaLoi="03")
        await run_in_threadpool(dossiers.apply_payment, store, reference, state, str(body.get("MaGiaoDich") or ""),
                                str(body.get("MaNganHang") or ""))
        portal.outbox.kick()
        return JSONResponse({"MaLoi": "00", "MoTaLoi": "Thành công"})

    @app.post("/api/postal/events")
    async def postal_events(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("access_token", ""), config.postal_token):
            return error("POSTAL_TOKEN", "Sai access_token.", "Wrong access_token.", 401, Status="102")
        try:
            event = await request.json()
            assert isinstance(event, dict) and all(event.get(k) for k in ("ItemCode", "OrderNumber", "Status"))
        except (ValueError, AssertionError):
            return error("BAD_EVENT", "Thiếu ItemCode, OrderNumber hoặc Status.", "ItemCode, OrderNumber or Status "
                         "missing.", 400, Status="101")
        if event.get("CustomerCode") != config.postal_customer:
            return error("WRONG_CUSTOMER", "Sai mã khách hàng.", "Wrong CustomerCode.", 403, Status="103")
        try:
            await run_in_threadpool(dossiers.postal_event, store, event)
        except Refused as exc:
            return error(exc.code, exc.vi, exc.en, exc.status, Status="104")
        portal.outbox.kick()
        return JSONResponse({"Status": "100", "Message": "Thành công"})

    # -- admin: health, a test shortcut for the back office, what happened ---------------------------------
    def admin_refused(request: Request) -> Response | None:
        given = request.headers.get("X-Admin-Token", "")
        if config.admin_token and hmac.compare_digest(given, config.admin_token):
            return None
        return error("ADMIN_TOKEN_REQUIRED", "Cần X-Admin-Token.", "X-Admin-Token required.", 401)

    @app.get("/_admin/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "service": "reference-portal"}

    @app.post("/_admin/dossiers/{code}/result-ready")
    def result_ready(request: Request, code: str) -> Response:
        if refused := admin_refused(request):
            return refused
        try:
            dossiers.result_ready(store, code)
        except Refused as exc:
            return error(exc.code, exc.vi, exc.en, exc.status)
        portal.outbox.kick()
        return JSONResponse(_public(portal.dossier_view(code)))

    @app.get("/_admin/dossiers/{code}")
    def admin_dossier(request: Request, code: str) -> Response:
        if refused := admin_refused(request):
            return refused
        try:
            return JSONResponse(_public(portal.dossier_view(code)))
        except Refused as exc:
            return error(exc.code, exc.vi, exc.en, exc.status)

    @app.get("/_admin/accounts")
    def admin_accounts(request: Request) -> Response:
        return admin_refused(request) or JSONResponse({"items": store.all(
            "SELECT id, tech_id, id_number, full_name, email, phone, created_at FROM accounts ORDER BY id")})

    @app.post("/_admin/accounts")
    async def admin_new_account(request: Request) -> Response:
        """An account made at the counter, not yet linked to a national log-in (its first SSO log-in links it)."""
        if refused := admin_refused(request):
            return refused
        try:
            body = await request.json()
            assert isinstance(body, dict)
            name, number = str(body.get("full_name") or "").strip(), str(body.get("id_number") or "").strip()
            assert name and number
        except (ValueError, AssertionError):
            return error("BAD_ACCOUNT", "Cần full_name và id_number.", "full_name and id_number are required.", 400)
        with store.tx() as db:
            made = db.execute("INSERT INTO accounts (id_number, full_name, created_at) VALUES (?, ?, ?)",
                              (number, name, dossiers.now_iso())).lastrowid
        return JSONResponse({"id": made, "id_number": number, "full_name": name}, status_code=201)

    @app.get("/_admin/logins")
    def admin_logins(request: Request) -> Response:
        return admin_refused(request) or JSONResponse({"items": store.all(
            "SELECT l.*, a.id_number, a.tech_id FROM logins l JOIN accounts a ON a.id = l.account_id ORDER BY l.id")})

    @app.get("/_admin/outbox")
    def admin_outbox(request: Request) -> Response:
        return admin_refused(request) or JSONResponse({"messages": [
            {**m, "payload": json.loads(m["payload"])} for m in store.all("SELECT * FROM outbox ORDER BY id")]})

    return app


def wants_json(request: Request) -> bool:
    """A program asking for JSON (Accept: application/json) rather than a browser asking for the page."""
    return "application/json" in request.headers.get("accept", "")


def _public(view: dict[str, Any]) -> dict[str, Any]:
    """A dossier view as JSON: without the file's bytes and the procedure object."""
    return {k: v for k, v in view.items() if k not in ("file_data", "procedure")} | {
        "procedure_name": view["procedure"].name}
