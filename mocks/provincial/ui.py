"""The portal's pages (Vietnamese, server-rendered, no JavaScript), over the same model as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from mocks.core.app import Namespace
from mocks.core.errors import DomainError
from mocks.core.form_errors import FieldProblem, errors_by_control, form_errors
from mocks.core.web import Templates, check_csrf, redirect

from .accounts import Account
from .attachments import MAX_ATTACHMENT_BYTES, Upload
from .auth import PortalAuth
from .catalogue import APPLICANT_TYPE_NAMES, FEE_TIMING_NAMES, TIER_NAMES, Offering, Procedure
from .dossier.entity import PAYMENT_METHODS, PAYMENT_STATES, RATINGS, RESULT_DELIVERIES, STATUS_NAMES, Dossier
from .dossier.rules import online_submission_offered
from .model import ProvincialPortal
from .slips import available, slip

MAX_FORM_REQUEST = 64 * 1024 * 1024   # enforced while the body streams in (mocks.core.bodylimit, app.py)
ADDRESS_FIELDS = ("name", "phone", "address", "province", "district", "commune")


AttachmentId = Annotated[int, PathParam(ge=1, le=10_000)]


def _unique_procedures(offerings: list[Offering]) -> list[Procedure]:
    seen: dict[str, Procedure] = {}
    for o in offerings:
        seen.setdefault(o.procedure.code, o.procedure)
    return list(seen.values())


def delivery_choices(procedure: Procedure) -> list[tuple[str, str]]:
    choices = [("counter", RESULT_DELIVERIES["counter"])]
    if procedure.level >= 4:
        choices.append(("online", RESULT_DELIVERIES["online"]))
    if procedure.result_by_post:
        choices.append(("post", RESULT_DELIVERIES["post"]))
    return choices


def payment_choices(procedure: Procedure) -> list[tuple[str, str]]:
    if not procedure.fee.due:
        return []
    if procedure.level >= 4:
        return [("online", PAYMENT_METHODS["online"]), ("counter", PAYMENT_METHODS["counter"])]
    return [("counter", PAYMENT_METHODS["counter"])]


def field_problems(code: str, message: str, details: Any) -> list[FieldProblem]:
    """What the form shows beside each control (and links to from its error summary): the refusal's details
    mapped to the controls of submit.html, e-form fields `f_…`, postal address `postal_…`, documents `file_…`."""
    items = details if isinstance(details, list) else [details] if isinstance(details, dict) else []
    found: list[FieldProblem] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if code in ("FORM_INVALID", "POSTAL_ADDRESS_INVALID") and item.get("field"):
            prefix = "f_" if code == "FORM_INVALID" else "postal_"
            label, problem = str(item.get("label") or item["field"]), str(item.get("problem") or "")
            # The address checks word their problem as a sentence; the form's are a phrase after the label.
            text = problem if code == "POSTAL_ADDRESS_INVALID" else f"{label}: {problem}"
            found.append(FieldProblem(f"{prefix}{item['field']}", text))
        elif item.get("code"):  # a document: missing, or refused for its type or size
            text = f"{item.get('name')}: bắt buộc đính kèm" if code == "ATTACHMENT_REQUIRED" else message
            found.append(FieldProblem(f"file_{item['code']}", text))
    return found


def dossier_form_problems(code: str, message: str, details: Any) -> list[FieldProblem]:
    """A refused form of the citizen's dossier page (supplement, withdrawal, rating) mapped to its controls
    in _dossier_backoffice.html; a refusal about the dossier itself (its status) marks no control."""
    if code == "SUPPLEMENT_INCOMPLETE" and isinstance(details, list):
        return [FieldProblem(f"supplement_{i['code']}", f"{i.get('name') or i['code']}: bắt buộc đính kèm")
                for i in details if isinstance(i, dict) and i.get("code")]
    control = {"SUPPLEMENT_EMPTY": "supplement_note", "REASON_TOO_LONG": "withdraw_reason",
               "REASON_REQUIRED": "withdraw_reason", "INVALID_RATING": "rating"}.get(code)
    return [FieldProblem(control, message)] if control else []


def router(portal: ProvincialPortal, auth: PortalAuth, templates: Templates) -> APIRouter:
    dossiers = portal.dossiers
    pages = APIRouter(include_in_schema=False)
    templates.globals.update(
        tier_names=TIER_NAMES, status_names=STATUS_NAMES, payment_states=PAYMENT_STATES,
        fee_timings=FEE_TIMING_NAMES, deliveries=RESULT_DELIVERIES, payment_methods=PAYMENT_METHODS,
        applicant_types=APPLICANT_TYPE_NAMES, ratings=RATINGS,
    )

    def render(name: str, account: Account | None, status: int = 200, *, ns: str, **context: Any) -> Response:
        # the portal's name is the province's on the namespace's date (thành phố Đà Nẵng from 2025-07-01)
        catalogue = portal.catalogue_for(ns)
        return templates.render(name, status=status, account=account, site_name=f"Cổng Dịch vụ công "
                                f"{catalogue.province_title}", two_tiers=catalogue.two_tiers, **context)

    # -- catalogue ---------------------------------------------------------------------------------
    @pages.get("/")
    def home(request: Request, ns: Namespace) -> Response:
        catalogue = portal.catalogue_for(ns)
        featured = [p for p in catalogue.procedures if p.level >= 4][:8]
        tiers = catalogue.tiers
        return render("home.html", auth.account(request, ns), ns=ns, page_title="Trang chủ", featured=featured,
                      agencies_by_tier={t: catalogue.agencies_of_tier(t) for t in tiers}, tiers=tiers)

    @pages.get("/thu-tuc")
    def procedures(request: Request, ns: Namespace, q: str | None = None, tier: str | None = None,
                   agency: str | None = None, level: str | None = None) -> Response:
        catalogue = portal.catalogue_for(ns)
        tiers = catalogue.tiers
        q = (q or "")[:200]
        tier = tier if tier in tiers else None
        level_no = int(level) if level in ("1", "2", "3", "4") else None
        chosen = catalogue.agency(agency) if agency else None
        found = catalogue.search(q or None, tier, chosen.code if chosen else None, level_no)
        return render("procedures.html", auth.account(request, ns), ns=ns, page_title="Thủ tục hành chính",
                      procedures=_unique_procedures(found), q=q, tier=tier, level=level_no, agency=chosen,
                      tiers=tiers, agencies_by_tier={t: catalogue.agencies_of_tier(t) for t in tiers})

    @pages.get("/thu-tuc/{code}")
    def procedure(code: str, request: Request, ns: Namespace, agency: str | None = None) -> Response:
        catalogue = portal.catalogue_for(ns)
        proc = catalogue.require_procedure(code)
        offering_agencies = catalogue.agencies_offering(proc)
        chosen = catalogue.agency(agency) if agency else None
        return render("procedure.html", auth.account(request, ns), ns=ns, page_title=proc.name, procedure=proc,
                      agencies=offering_agencies, chosen=chosen if chosen in offering_agencies else None)

    # -- submission ----------------------------------------------------------------------------------
    def submit_page(ns: str, account: Account, proc: Procedure, agency_code: str | None, csrf: str,
                    values: dict[str, Any] | None = None, refusal: DomainError | None = None) -> Response:
        values = values or {}
        problems = field_problems(refusal.code, refusal.vi, refusal.details) if refusal else []
        return render(
            "submit.html", account, ns=ns, status=refusal.status if refusal else 200,
            page_title=f"Nộp hồ sơ: {proc.name}", procedure=proc,
            agencies=portal.catalogue_for(ns).agencies_offering(proc), agency_code=agency_code, csrf=csrf,
            values=values, form_values=values.get("form", {}), address=values.get("address", {}),
            error=refusal.vi if refusal else None, problems=problems, field_errors=errors_by_control(problems),
            delivery_options=delivery_choices(proc), payment_options=payment_choices(proc),
            delivery=values.get("delivery") or "counter",
            payment=values.get("payment") or (payment_choices(proc)[0][0] if payment_choices(proc) else None),
        )

    @pages.get("/nop-ho-so/{code}")
    def submission_form(code: str, request: Request, ns: Namespace, agency: str | None = None) -> Response:
        session = auth.session(request, ns)
        account = auth.account(request, ns, session)
        if account is None:
            return auth.login_redirect(request)
        proc = portal.catalogue_for(ns).require_procedure(code)
        online_submission_offered(proc)
        response = submit_page(ns, account, proc, agency, session.csrf_token)
        auth.sessions.save(response, ns, session)
        return response

    @pages.post("/nop-ho-so/{code}")
    async def submit(code: str, request: Request, ns: Namespace) -> Response:
        session = await run_in_threadpool(auth.session, request, ns)
        account = await run_in_threadpool(auth.account, request, ns, session)
        if account is None:
            return auth.login_redirect(request)
        proc = await run_in_threadpool(lambda: portal.catalogue_for(ns).require_procedure(code))
        form = await request.form()
        check_csrf(session, form.get("csrf_token"))
        agency_code = str(form.get("agency") or request.query_params.get("agency") or "") or None
        values: dict[str, Any] = {
            "form": {f.name: str(form.get(f"f_{f.name}") or "") for f in proc.form_fields},
            "delivery": str(form.get("result_delivery") or "counter"),
            "payment": str(form.get("payment_method") or "") or None,
            "address": {k: str(form.get(f"postal_{k}") or "") for k in ADDRESS_FIELDS},
            "applicant_type": str(form.get("applicant_type") or "") or None,
        }
        uploads: list[Upload] = []
        for spec in proc.attachments:
            for item in form.getlist(f"file_{spec.code}"):
                if isinstance(item, UploadFile) and item.filename:
                    # Read one byte past the limit: enough for the rule to see the file is too large.
                    content = await item.read(MAX_ATTACHMENT_BYTES + 1)
                    if content:
                        uploads.append(Upload(spec.code, item.filename, item.content_type, content))
        await form.close()

        def work() -> Dossier:
            offering = dossiers.resolve_offering(ns, proc.code, agency_code)
            address = values["address"] if values["delivery"] == "post" else None
            return dossiers.submit(ns, account, offering, values["form"], uploads, values["delivery"],
                                   values["payment"], address, values["applicant_type"])

        try:
            dossier = await run_in_threadpool(work)
        except DomainError as exc:
            refusal = exc
        else:
            return redirect(f"/ho-so/{dossier.code}")
        # Re-render the form with the message and what was entered (files must be chosen again).
        return await run_in_threadpool(submit_page, ns, account, proc, agency_code, session.csrf_token, values, refusal)

    # -- the citizen's dossiers ---------------------------------------------------------------------
    @pages.get("/ho-so")
    def my_dossiers(request: Request, ns: Namespace) -> Response:
        account = auth.account(request, ns)
        if account is None:
            return auth.login_redirect(request)
        return render("dossiers.html", account, ns=ns, page_title="Hồ sơ của tôi",
                      dossiers=dossiers.list_for_account(ns, account.id))

    @pages.get("/ho-so/{ma}")
    def dossier_page(ma: str, request: Request, ns: Namespace) -> Response:
        session = auth.session(request, ns)
        account = auth.account(request, ns, session)
        if account is None:
            return auth.login_redirect(request)
        return show_dossier(ns, account, session, ma)

    def show_dossier(ns: str, account: Account, session: Any, ma: str, status: int = 200, error: str | None = None,
                     flash: str | None = None, problems: list[FieldProblem] | None = None) -> Response:
        dossier = dossiers.for_account(ns, ma, account.id)
        receipt_url = None
        if dossier.paid_online:
            try:
                receipt_url = portal.payments.receipt(ns, ma, account.id).get("receipt_url")
            except DomainError:
                receipt_url = None  # the platform is away: the page offers our own link instead
        response = render("dossier.html", account, ns=ns, status=status, page_title=f"Hồ sơ {dossier.code}",
                          dossier=dossier, csrf=session.csrf_token, receipt_url=receipt_url,
                          tracking_base=portal.tracking_base, can_pay=_can_pay(dossier),
                          attempts=portal.payments.attempts(ns, ma), deadline=portal.workflow.deadline(ns, dossier),
                          slips=available(dossier), error=error, flash=flash, **form_errors(problems or []))
        auth.sessions.save(response, ns, session)
        return response

    def _can_pay(dossier: Dossier) -> bool:
        try:
            dossiers.check_payable(dossier)
        except DomainError:
            return False
        return True

    @pages.post("/ho-so/{ma}/thanh-toan")
    async def pay(ma: str, request: Request, ns: Namespace) -> Response:
        session = await run_in_threadpool(auth.session, request, ns)
        account = await run_in_threadpool(auth.account, request, ns, session)
        if account is None:
            return redirect(f"/dang-nhap?next=/ho-so/{ma}")
        form = await request.form()
        check_csrf(session, form.get("csrf_token"))
        ip = request.client.host if request.client else "127.0.0.1"
        tx = await run_in_threadpool(portal.payments.start, ns, ma, account.id, ip)
        return redirect(tx.payment_url or f"/ho-so/{ma}")

    # -- the back office's side: supplement, withdrawal, rating, slips ------------------------------------------
    async def citizen_action(ma: str, request: Request, ns: Namespace, work: Any, done: str) -> Response:
        session = await run_in_threadpool(auth.session, request, ns)
        account = await run_in_threadpool(auth.account, request, ns, session)
        if account is None:
            return redirect(f"/dang-nhap?next=/ho-so/{ma}")
        form = await request.form()
        check_csrf(session, form.get("csrf_token"))
        try:
            await work(account, form)
        except DomainError as exc:
            if exc.code in ("NOT_YOUR_DOSSIER", "DOSSIER_NOT_FOUND"):
                raise
            problems = dossier_form_problems(exc.code, exc.vi, exc.details)
            return await run_in_threadpool(show_dossier, ns, account, session, ma, exc.status, exc.vi, None, problems)
        finally:
            await form.close()
        return await run_in_threadpool(show_dossier, ns, account, session, ma, 200, None, done)

    @pages.post("/ho-so/{ma}/bo-sung")
    async def supplement(ma: str, request: Request, ns: Namespace) -> Response:

        async def work(account: Account, form: Any) -> None:
            uploads: list[Upload] = []
            for key, item in form.multi_items():
                if key.startswith("file_") and isinstance(item, UploadFile) and item.filename:
                    content = await item.read(MAX_ATTACHMENT_BYTES + 1)
                    if content:
                        uploads.append(Upload(key[5:69], item.filename, item.content_type, content))
            note = form.get("note") if isinstance(form.get("note"), str) else ""
            await run_in_threadpool(portal.workflow.answer_supplement, ns, account.id, ma, uploads, note)

        return await citizen_action(ma, request, ns, work, "Đã nộp hồ sơ bổ sung.")

    @pages.post("/ho-so/{ma}/rut-ho-so")
    async def withdraw(ma: str, request: Request, ns: Namespace) -> Response:
        async def work(account: Account, form: Any) -> None:
            reason = form.get("reason") if isinstance(form.get("reason"), str) else ""
            await run_in_threadpool(portal.workflow.withdraw_by_applicant, ns, account.id, ma, reason)

        return await citizen_action(ma, request, ns, work, "Đã rút hồ sơ.")

    @pages.post("/ho-so/{ma}/danh-gia")
    async def rate(ma: str, request: Request, ns: Namespace) -> Response:
        async def work(account: Account, form: Any) -> None:
            raw = form.get("rating")
            value = int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 3 else raw
            comment = form.get("comment") if isinstance(form.get("comment"), str) else ""
            await run_in_threadpool(portal.workflow.rate, ns, account.id, ma, value, comment)

        return await citizen_action(ma, request, ns, work, "Cảm ơn bạn đã đánh giá.")

    @pages.get("/ho-so/{ma}/phieu/{so}")
    def slip_page(ma: str, so: Annotated[str, PathParam(max_length=4)], request: Request, ns: Namespace) -> Response:
        account = auth.account(request, ns)
        if account is None:
            return auth.login_redirect(request)
        name, text = slip(dossiers.for_account(ns, ma, account.id), so)
        return Response(text, media_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    @pages.get("/ho-so/{ma}/bien-lai")
    def receipt(ma: str, request: Request, ns: Namespace) -> Response:
        account = auth.account(request, ns)
        if account is None:
            return auth.login_redirect(request)
        bill = portal.payments.receipt(ns, ma, account.id)
        if bill.get("receipt_url"):
            return redirect(bill["receipt_url"])
        return render("receipt.html", account, ns=ns, page_title="Biên lai điện tử", bill=bill)

    @pages.get("/ho-so/{ma}/ket-qua")
    def result(ma: str, request: Request, ns: Namespace) -> Response:
        account = auth.account(request, ns)
        if account is None:
            return auth.login_redirect(request)
        filename, content = dossiers.download_result(ns, ma, account.id)
        return Response(content, media_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @pages.get("/thanh-toan/ket-qua")
    def payment_return(request: Request, ns: Namespace, MaThamChieu: str | None = None) -> Response:
        if not MaThamChieu:
            raise DomainError("REFERENCE_REQUIRED", "Thiếu mã tham chiếu giao dịch (MaThamChieu).",
                              "MaThamChieu is required.")
        # The query string is not signed: the outcome shown is what the portal knows or the platform says.
        tx = portal.payments.refresh(ns, MaThamChieu)
        return render("payment_result.html", auth.account(request, ns), ns=ns, page_title="Kết quả thanh toán", tx=tx,
                      dossier=dossiers.find(ns, tx.dossier_code))

    # -- public look-up -------------------------------------------------------------------------------
    @pages.get("/tra-cuu")
    def lookup(request: Request, ns: Namespace, ma: str | None = None) -> Response:
        ma = (ma or "").strip()[:64]
        found = dossiers.find(ns, ma) if ma else None
        status = 404 if ma and found is None else 200
        return render("lookup.html", auth.account(request, ns), ns=ns, status=status, page_title="Tra cứu hồ sơ", ma=ma,
                      found=found)

    @pages.get("/ho-so/{ma}/tep/{attachment_id}")
    def attachment(ma: str, attachment_id: AttachmentId, request: Request, ns: Namespace) -> Response:
        account = auth.account(request, ns)
        if account is None:
            return auth.login_redirect(request)
        dossiers.for_account(ns, ma, account.id)
        info, content = dossiers.attachment(ns, ma, attachment_id)
        return Response(content, media_type=info.content_type)

    return pages
