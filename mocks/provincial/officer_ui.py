"""The back office's pages for officers (`/can-bo/...`) and the public statistics dashboard (`/thong-ke`).

Server-rendered, no JavaScript, over the same workflow as the JSON API. Each action is a form
posting to `/can-bo/ho-so/{ma}/{action}` with the CSRF token of the officer's session; a
refused action shows the dossier again with the rule's message (and its 4xx status).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from mocks.core.app import Namespace
from mocks.core.errors import DomainError
from mocks.core.form_errors import FieldProblem, field_named, form_errors
from mocks.core.throttle import TooManyAttempts
from mocks.core.web import Session, Templates, check_csrf, redirect

from .auth import safe_next
from .catalogue import APPLICANT_TYPE_NAMES, TIER_NAMES, TIERS
from .dossier.deadlines import DEADLINE_NAMES
from .dossier.entity import CHANNEL_NAMES, RATINGS, RESULT_DELIVERIES, STATUS_NAMES, Dossier
from .dossier.workflow import ACTIONS
from .model import ProvincialPortal
from .officer_api import OfficerAuth
from .officers import ROLES, Officer
from .slips import TITLES, available, slip

ADDRESS_FIELDS = ("name", "phone", "address", "province", "district", "commune")
# The intake form's applicant fields (`applicant_<key>`), labelled as the page says them.
APPLICANT_LABELS: dict[str, str] = {
    "name": "Họ tên người nộp (hoặc tên tổ chức)", "type": "Đối tượng thực hiện",
    "id_number": "Số định danh cá nhân, mã số thuế hoặc mã cơ quan", "phone": "Số điện thoại người nộp",
    "email": "Thư điện tử người nộp", "address": "Địa chỉ người nộp",
}
# The dossier page's action forms: which control a refusal of the action is about (officer/dossier.html's ids).
REASON_CODES = ("REASON_REQUIRED", "REASON_TOO_LONG")
ACTION_CONTROLS: dict[tuple[str, str], str] = {
    **{(action, code): f"{action}-reason" for action in ("refuse", "stop", "withdraw", "reschedule")
       for code in REASON_CODES},
    ("reschedule", "INVALID_NEW_DATE"): "new-date", ("reschedule", "NEW_DATE_NOT_WORKING_DAY"): "new-date",
    ("result_ready", "RESULT_DOCUMENTS_REQUIRED"): "document-name",
    ("result_ready", "INVALID_RESULT_DOCUMENT"): "document-name",
    ("request_supplement", "SUPPLEMENT_ITEMS_REQUIRED"): "supplement-other",
    ("request_supplement", "INVALID_ITEM"): "supplement-other",
    ("request_supplement", "TOO_MANY_ITEMS"): "supplement-other",
    ("record_supplement", "SUPPLEMENT_EMPTY"): "record-supplement-note",
}
# What the page says after each action went through.
DONE_MESSAGES: dict[str, str] = {
    "receive": "Đã tiếp nhận hồ sơ.", "refuse": "Đã từ chối tiếp nhận hồ sơ.",
    "request_supplement": "Đã gửi yêu cầu bổ sung hồ sơ.", "record_supplement": "Đã ghi nhận hồ sơ bổ sung.",
    "process": "Đã chuyển hồ sơ sang xử lý.", "request_payment": "Đã yêu cầu thực hiện nghĩa vụ tài chính.",
    "result_ready": "Đã cập nhật kết quả giải quyết.", "return_result": "Đã trả kết quả cho người nộp.",
    "stop": "Đã dừng xử lý hồ sơ.", "withdraw": "Đã ghi nhận công dân rút hồ sơ.",
    "reschedule": "Đã gia hạn và gửi phiếu xin lỗi, hẹn lại ngày trả kết quả.",
    "register": "Đã tiếp nhận hồ sơ.",
}
Code = Annotated[str, PathParam(max_length=64)]
AttachmentId = Annotated[int, PathParam(ge=1, le=10_000)]


def _text(form: Any, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def register_problems(code: str, message: str, details: Any) -> list[FieldProblem]:
    """The intake form's controls a refused registration is about: applicant `applicant_…`, postal address
    `postal_…`, paper documents `doc-…`, and the result by post `delivery-post`."""
    items = details if isinstance(details, list) else [details] if isinstance(details, dict) else []
    found: list[FieldProblem] = []
    for item in items:
        field = field_named(item)
        if code == "APPLICANT_INVALID" and field in APPLICANT_LABELS:
            found.append(FieldProblem(f"applicant_{field}", f"{APPLICANT_LABELS[field]}: {item.get('problem', '')}"))
        elif code == "POSTAL_ADDRESS_INVALID" and field in ADDRESS_FIELDS:
            found.append(FieldProblem(f"postal_{field}", str(item.get("problem") or message)))
        elif code == "ATTACHMENT_REQUIRED" and isinstance(item.get("code"), str):
            found.append(FieldProblem(f"doc-{item['code']}", f"{item.get('name')}: bắt buộc, chưa nhận"))
    if code == "POSTAL_NEEDS_PAYMENT_FIRST":  # only offered where the procedure returns results by post
        found.append(FieldProblem("delivery-post", message))
    return found


def action_problems(action: str, code: str, message: str, details: Any) -> list[FieldProblem]:
    """The control of the dossier page's action form that a refused action is about (none for a rule of the
    workflow, such as a transition not allowed); missing supplement documents name their checkboxes."""
    if action == "record_supplement" and code == "SUPPLEMENT_INCOMPLETE" and isinstance(details, list):
        return [FieldProblem(f"received-doc-{item['code']}", f"{item.get('name')}: chưa nhận")
                for item in details if isinstance(item, dict) and isinstance(item.get("code"), str)]
    control = ACTION_CONTROLS.get((action, code))
    return [FieldProblem(control, message)] if control else []


def login_problems(code: str, message: str) -> list[FieldProblem]:
    """A wrong user name or password marks the password (which of the two is wrong is not told)."""
    return [FieldProblem("password", message)] if code == "OFFICER_LOGIN_FAILED" else []


def router(portal: ProvincialPortal, auth: OfficerAuth, templates: Templates) -> APIRouter:
    workflow = portal.workflow
    catalogue = portal.catalogue
    pages = APIRouter(include_in_schema=False)
    templates.globals.update(role_names=ROLES, channel_names=CHANNEL_NAMES, deadline_names=DEADLINE_NAMES,
                             actions=ACTIONS, slip_titles=TITLES, ratings=RATINGS)

    def render(name: str, officer: Officer | None, status: int = 200, **context: Any) -> Response:
        return templates.render(name, status=status, officer=officer, status_names=STATUS_NAMES,
                                deliveries=RESULT_DELIVERIES, applicant_types=APPLICANT_TYPE_NAMES,
                                tier_names=TIER_NAMES, **context)

    def login_redirect(request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/can-bo/dang-nhap?next={quote(target, safe='')}")

    # -- log-in ------------------------------------------------------------------------------------------
    @pages.get("/can-bo/dang-nhap")
    def login_form(request: Request, ns: Namespace, next: str | None = None) -> Response:
        session = auth.session(request, ns)
        if auth.officer(request, ns, session) is not None:
            return redirect(safe_next(next) if next else "/can-bo")
        response = render("officer/login.html", None, page_title="Đăng nhập cán bộ", csrf=session.csrf_token,
                          next=safe_next(next) if next else "/can-bo", username="")
        auth.sessions.save(response, ns, session)
        return response

    @pages.post("/can-bo/dang-nhap")
    async def login(request: Request, ns: Namespace) -> Response:
        session = await run_in_threadpool(auth.session, request, ns)
        form = await request.form()
        check_csrf(session, form.get("csrf_token"))
        target = safe_next(_text(form, "next", 2000) or "/can-bo")
        username = _text(form, "username", 64)
        try:
            officer = await run_in_threadpool(portal.officers.authenticate, ns, username,
                                              form.get("password") if isinstance(form.get("password"), str) else "")
        except DomainError as exc:
            page = render("officer/login.html", None, status=exc.status, page_title="Đăng nhập cán bộ",
                          csrf=session.csrf_token, next=target, username=username, error=exc.vi,
                          **form_errors(login_problems(exc.code, exc.vi)))
            if isinstance(exc, TooManyAttempts):  # a lock says how long to wait, as the JSON API does
                page.headers.update(exc.headers)
            return page
        response = redirect(target)
        await run_in_threadpool(auth.log_in, response, ns, session, officer)
        return response

    @pages.get("/can-bo/dang-xuat")
    def logout(request: Request, ns: Namespace) -> Response:
        response = redirect("/can-bo/dang-nhap")
        auth.sessions.destroy(response, ns, auth.session(request, ns))
        return response

    # -- the agency's dossiers -----------------------------------------------------------------------------
    @pages.get("/can-bo")
    def dossiers(request: Request, ns: Namespace, status: str | None = None, channel: str | None = None,
                 deadline: str | None = None, q: str | None = None) -> Response:
        session = auth.session(request, ns)
        officer = auth.officer(request, ns, session)
        if officer is None:
            return login_redirect(request)
        status_no = int(status) if status and status.isdigit() and int(status) in STATUS_NAMES else None
        channel_no = int(channel) if channel and channel.isdigit() and int(channel) in CHANNEL_NAMES else None
        mark = deadline if deadline in DEADLINE_NAMES else None
        search = (q or "").strip()[:100]
        total, found = workflow.list_for_agency(ns, officer, status=status_no, channel=channel_no, deadline=mark,
                                                q=search or None, limit=200)
        marks = {d.code: workflow.deadline(ns, d) for d in found}
        return render("officer/dossiers.html", officer, page_title="Hồ sơ của cơ quan", dossiers=found, marks=marks,
                      total=total, status_filter=status_no, channel_filter=channel_no, deadline=mark, q=search)

    def dossier_page(ns: str, officer: Officer, session: Session, ma: str, status: int = 200,
                     error: str | None = None, flash: str | None = None,
                     problems: list[FieldProblem] | None = None) -> Response:
        d = workflow.dossier(ns, officer, ma)
        procedure = portal.catalogues.require_procedure(d.procedure_code)     # the dossier's era, whichever
        response = render(
            "officer/dossier.html", officer, status=status, page_title=f"Hồ sơ {d.code}", dossier=d,
            procedure=procedure, mark=workflow.deadline(ns, d), allowed=workflow.allowed_actions(officer, d),
            csrf=session.csrf_token, slips=available(d), tracking_base=portal.tracking_base, error=error, flash=flash,
            paper_documents=d.form.get("giay_to_da_nop", []) if d.paper else [], **form_errors(problems or []),
        )
        auth.sessions.save(response, ns, session)
        return response

    @pages.get("/can-bo/ho-so/{ma}")
    def dossier(ma: Code, request: Request, ns: Namespace, ok: str | None = None) -> Response:
        session = auth.session(request, ns)
        officer = auth.officer(request, ns, session)
        if officer is None:
            return login_redirect(request)
        return dossier_page(ns, officer, session, ma, flash=DONE_MESSAGES.get(ok or ""))

    @pages.get("/can-bo/ho-so/{ma}/phieu/{so}")
    def slip_page(ma: Code, so: Annotated[str, PathParam(max_length=4)], request: Request, ns: Namespace) -> Response:
        officer = auth.officer(request, ns)
        if officer is None:
            return login_redirect(request)
        name, text = slip(workflow.dossier(ns, officer, ma), so)
        return Response(text, media_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    @pages.get("/can-bo/ho-so/{ma}/tep/{attachment_id}")
    def attachment(ma: Code, attachment_id: AttachmentId, request: Request, ns: Namespace) -> Response:
        officer = auth.officer(request, ns)
        if officer is None:
            return login_redirect(request)
        workflow.dossier(ns, officer, ma)
        info, content = portal.dossiers.attachment(ns, ma, attachment_id)
        return Response(content, media_type=info.content_type)

    def perform(ns: str, officer: Officer, ma: str, action: str, form: Any) -> None:
        if action == "receive":
            workflow.receive(ns, officer, ma, _text(form, "note"))
        elif action == "refuse":
            workflow.refuse(ns, officer, ma, _text(form, "reason"))
        elif action == "request_supplement":
            items: list[dict[str, str]] = [{"code": c} for c in form.getlist("documents") if isinstance(c, str)]
            items += [{"name": line.strip()[:300]} for line in _text(form, "other", 5000).splitlines() if line.strip()]
            workflow.request_supplement(ns, officer, ma, items, _text(form, "note"))
        elif action == "record_supplement":
            codes = [c for c in form.getlist("documents") if isinstance(c, str)]
            workflow.record_supplement(ns, officer, ma, codes, _text(form, "note"))
        elif action == "process":
            workflow.process(ns, officer, ma, _text(form, "note"))
        elif action == "request_payment":
            workflow.request_payment(ns, officer, ma, _text(form, "note"))
        elif action == "result_ready":
            documents = [{"name": _text(form, "document_name", 300), "number": _text(form, "document_number", 100)}]
            if not documents[0]["name"]:
                documents = []
            workflow.result_ready(ns, officer, ma, documents, _text(form, "note"))
        elif action == "return_result":
            workflow.return_result(ns, officer, ma, _text(form, "note"))
        elif action == "stop":
            workflow.stop(ns, officer, ma, _text(form, "reason"))
        elif action == "withdraw":
            workflow.withdraw_at_desk(ns, officer, ma, _text(form, "reason"))
        elif action == "reschedule":
            workflow.reschedule(ns, officer, ma, _text(form, "new_date", 20), _text(form, "reason"))

    @pages.post("/can-bo/ho-so/{ma}/{action}")
    async def act(ma: Code, action: Annotated[str, PathParam(max_length=40)], request: Request,
                  ns: Namespace) -> Response:
        session = await run_in_threadpool(auth.session, request, ns)
        officer = await run_in_threadpool(auth.officer, request, ns, session)
        if officer is None:
            return redirect(f"/can-bo/dang-nhap?next={quote(f'/can-bo/ho-so/{ma}', safe='')}")
        if action not in ACTIONS:
            raise DomainError("UNKNOWN_ACTION", "Thao tác không tồn tại.", f"No action '{action[:40]}'.", status=404)
        form = await request.form()
        check_csrf(session, form.get("csrf_token"))
        try:
            await run_in_threadpool(perform, ns, officer, ma, action, form)
        except DomainError as exc:
            if exc.code in ("OTHER_AGENCY", "DOSSIER_NOT_FOUND"):
                raise
            problems = action_problems(action, exc.code, exc.vi, exc.details)
            return await run_in_threadpool(dossier_page, ns, officer, session, ma, exc.status, exc.vi, None, problems)
        return redirect(f"/can-bo/ho-so/{ma}?ok={action}")

    # -- counter and postal dossiers ---------------------------------------------------------------------
    def register_page(officer: Officer, session: Session, code: str | None, values: dict[str, Any] | None = None,
                      refusal: DomainError | None = None) -> Response:
        agency = portal.catalogues.agency(officer.agency_code)
        era = portal.catalogues.era_of(agency) if agency else catalogue     # the officer's agency's catalogue
        offered = [o.procedure for o in era.search(agency_code=officer.agency_code)]
        chosen = era.procedure(code) if code else None
        if chosen is not None and chosen not in offered:
            chosen = None
        problems = register_problems(refusal.code, refusal.vi, refusal.details) if refusal else []
        return render("officer/register.html", officer, status=refusal.status if refusal else 200,
                      page_title="Tiếp nhận hồ sơ", procedures=offered, procedure=chosen, csrf=session.csrf_token,
                      values=values or {}, error=refusal.vi if refusal else None, applicant_labels=APPLICANT_LABELS,
                      **form_errors(problems))

    @pages.get("/can-bo/tiep-nhan")
    def register_form(request: Request, ns: Namespace, thu_tuc: str | None = None) -> Response:
        session = auth.session(request, ns)
        officer = auth.officer(request, ns, session)
        if officer is None:
            return login_redirect(request)
        response = register_page(officer, session, (thu_tuc or "")[:64] or None)
        auth.sessions.save(response, ns, session)
        return response

    @pages.post("/can-bo/tiep-nhan")
    async def register(request: Request, ns: Namespace) -> Response:
        session = await run_in_threadpool(auth.session, request, ns)
        officer = await run_in_threadpool(auth.officer, request, ns, session)
        if officer is None:
            return login_redirect(request)
        form = await request.form()
        check_csrf(session, form.get("csrf_token"))
        code = _text(form, "procedure_code", 64)
        values: dict[str, Any] = {
            "channel": _text(form, "channel", 2), "delivery": _text(form, "result_delivery", 16) or "counter",
            "applicant": {k: _text(form, f"applicant_{k}", 500) for k in ("name", "id_number", "type", "phone",
                                                                           "email", "address")},
            "documents": [c for c in form.getlist("documents") if isinstance(c, str)],
            "address": {k: _text(form, f"postal_{k}", 400) for k in ADDRESS_FIELDS}, "note": _text(form, "note"),
        }

        def work() -> Dossier:
            channel = int(values["channel"]) if values["channel"].isdigit() else 0
            applicant = {**values["applicant"], "type": values["applicant"]["type"] or None}
            if applicant["type"] is None:
                applicant.pop("type")
            return workflow.register(ns, officer, procedure_code=code, channel=channel, applicant=applicant,
                                     documents=values["documents"], result_delivery=values["delivery"],
                                     postal_address=values["address"] if values["delivery"] == "post" else None,
                                     note=values["note"])

        try:
            created = await run_in_threadpool(work)
        except DomainError as exc:
            return await run_in_threadpool(register_page, officer, session, code, values, exc)
        return redirect(f"/can-bo/ho-so/{created.code}?ok=register")

    # -- the statistics dashboard (public: aggregates only) ----------------------------------------------------
    @pages.get("/thong-ke")
    def statistics(request: Request, ns: Namespace, tu_ngay: str | None = None, den_ngay: str | None = None,
                   cap: str | None = None) -> Response:
        officer = auth.officer(request, ns)
        tier = cap if cap in TIERS else None
        try:
            figures = portal.stats.compute(ns, (tu_ngay or "")[:10] or None, (den_ngay or "")[:10] or None)
        except DomainError as exc:
            figures, error = portal.stats.compute(ns), exc.vi
            status = exc.status
        else:
            error, status = None, 200
        agencies = [a for a in figures["agencies"] if tier is None or a["tier"] == tier]
        return render("officer/stats.html", officer, status=status, page_title="Thống kê dịch vụ công trực tuyến",
                      figures=figures, tiers=figures["tiers"], agencies=agencies, tier=tier, error=error,
                      csv_url=f"/api/v1/stats/online-rate.csv?from={figures['from']}&to={figures['to']}")

    return pages
