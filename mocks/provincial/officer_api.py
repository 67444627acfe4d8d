"""The back office's JSON API for officers (`/api/v1/officer/...`) and the campaign statistics (`/api/v1/stats`).

Officers log in with their own account (`POST /api/v1/officer/login`, or the form at
`/can-bo/dang-nhap`); the cookie `tinh_officer_session` is the credential, apart from the
citizens' `tinh_session`, so one browser can hold both. Thin routes over the workflow.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from mocks.core.app import Namespace
from mocks.core.errors import DomainError, Unauthorized
from mocks.core.openapi import content, success
from mocks.core.storage import Store
from mocks.core.web import Session, WebSessions

from . import schemas
from .api import FILE, STATE, PostalAddressIn
from .dossier.deadlines import DEADLINE_NAMES
from .model import ProvincialPortal
from .officers import Officer
from .slips import slip
from .text import check_encodable

OFFICER_COOKIE = "tinh_officer_session"
MAX_LIST = 500


class OfficerAuth:
    """Who is logged in to the back office (a session of its own cookie)."""

    def __init__(self, portal: ProvincialPortal, store: Store) -> None:
        self.portal = portal
        self.sessions = WebSessions(store, OFFICER_COOKIE)

    def session(self, request: Request, ns: str) -> Session:
        return self.sessions.load(request, ns)

    def officer(self, request: Request, ns: str, session: Session | None = None) -> Officer | None:
        session = session if session is not None else self.session(request, ns)
        username = session.get("officer")
        return self.portal.officers.find(ns, username) if isinstance(username, str) else None

    def require(self, request: Request, ns: str) -> Officer:
        officer = self.officer(request, ns)
        if officer is None:
            raise Unauthorized("OFFICER_NOT_LOGGED_IN",
                               "Cán bộ cần đăng nhập (POST /api/v1/officer/login hoặc /can-bo/dang-nhap).",
                               "Log in as an officer first (POST /api/v1/officer/login); the tinh_officer_session "
                               "cookie is the credential.")
        return officer

    def log_in(self, response: Response, ns: str, old: Session, officer: Officer) -> Session:
        fresh = self.sessions.rotate(ns, old, {"officer": officer.username})
        self.sessions.save(response, ns, fresh)
        return fresh

    def open(self, ns: str, officer: Officer) -> Session:
        """A logged-in session without the password (the admin surface, for tests)."""
        session = self.sessions.rotate(ns, Session("", {}, new=True), {"officer": officer.username})
        self.sessions.persist(ns, session)
        return session

    def reset(self, ns: str) -> None:
        self.sessions.reset(ns)


class LoginIn(BaseModel):
    username: str = Field(..., max_length=64)
    password: str = Field(..., max_length=200)


class NoteIn(BaseModel):
    note: str = Field("", max_length=1000)


class ReasonIn(BaseModel):
    reason: str = Field(..., max_length=1000, description="Required: shown to the applicant and on the slip")


class SupplementItemIn(BaseModel):
    code: str | None = Field(None, max_length=64, description="A document of the procedure (its code)")
    name: str | None = Field(None, max_length=300, description="Or any other item, by name")
    reason: str = Field("", max_length=1000, description="What is wrong or missing")


class SupplementRequestIn(BaseModel):
    items: list[SupplementItemIn] = Field(..., max_length=30, description="Everything to supplement, at once")
    note: str = Field("", max_length=1000)


class PaperSupplementIn(BaseModel):
    documents: list[str] = Field(default_factory=list, max_length=50,
                                 description="Codes of the documents handed in at the desk")
    note: str = Field("", max_length=1000)


class ResultDocumentIn(BaseModel):
    name: str = Field(..., max_length=300, description="Giấy tờ kết quả, e.g. 'Phiếu lý lịch tư pháp số 1'")
    number: str = Field("", max_length=100, description="Số, ký hiệu, e.g. '125/STP-LLTP'")


class ResultIn(BaseModel):
    documents: list[ResultDocumentIn] = Field(..., max_length=20)
    note: str = Field("", max_length=1000)


class RescheduleIn(BaseModel):
    new_date: str = Field(..., max_length=20, description="The new appointment, yyyy-mm-dd (a working day)")
    reason: str = Field(..., max_length=1000)


class ApplicantIn(BaseModel):
    name: str = Field(..., max_length=200)
    id_number: str = Field(..., max_length=30, description="Số định danh (12 digits), mã số thuế or mã cơ quan")
    type: int = Field(1, description="LoaiDoiTuong: 1 citizen, 2 business, 3 state agency, 4 other organisation")
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)


class RegisterIn(BaseModel):
    procedure_code: str = Field(..., max_length=64, description="A procedure the officer's agency offers")
    channel: int = Field(..., description="KenhThucHien: 1 at the counter, 3 by post")
    applicant: ApplicantIn
    documents: list[str] = Field(default_factory=list, max_length=50, description="Codes of the documents handed in")
    result_delivery: str = Field("counter", max_length=16, description="counter | post")
    postal_address: PostalAddressIn | None = None
    note: str = Field("", max_length=1000)


Code = Annotated[str, PathParam(max_length=64)]
Day = Annotated[str | None, Query(alias="from", max_length=10,
                                  description="First day, YYYY-MM-DD (by receipt date; default: this month)")]
DayTo = Annotated[str | None, Query(alias="to", max_length=10, description="Last day, YYYY-MM-DD (included)")]
AttachmentId = Annotated[int, PathParam(ge=1, le=10_000)]


OFFICER: dict[int | str, Any] = {401: {"description": "Not logged in as an officer (tinh_officer_session)"},
                                  403: {"description": "The officer's role does not allow this"}}
ACTION: dict[int | str, Any] = {**success(schemas.OfficerDossier), **OFFICER, **STATE}


def officer_router(portal: ProvincialPortal, auth: OfficerAuth) -> APIRouter:
    workflow = portal.workflow
    api = APIRouter(prefix="/api/v1/officer", tags=["back office (officers)"])

    def view(ns: str, officer: Officer, code: str) -> dict[str, Any]:
        return workflow.officer_view(ns, officer, workflow.dossier(ns, officer, code), portal.tracking_base)

    @api.post("/login", summary="Log in as an officer: sets the tinh_officer_session cookie",
              description="5 wrong passwords in a row lock the user name for 15 minutes of the namespace clock "
                          "(429 LOGIN_LOCKED with Retry-After), the right password included.",
              responses={**success(schemas.OfficerOut), 401: {"description": "Wrong user name or password"},
                         429: {"description": "Too many attempts: LOGIN_LOCKED (Retry-After)"}})
    def login(body: LoginIn, request: Request, ns: Namespace) -> Response:
        check_encodable(body.model_dump())
        officer = portal.officers.authenticate(ns, body.username, body.password)  # a 429 carries its Retry-After
        response = JSONResponse(officer.to_json())
        auth.log_in(response, ns, auth.session(request, ns), officer)
        return response

    @api.post("/logout", summary="End the officer's session", responses=success(schemas.LoggedOut))
    def logout(request: Request, ns: Namespace) -> Response:
        response = JSONResponse({"status": "logged_out"})
        auth.sessions.destroy(response, ns, auth.session(request, ns))
        return response

    @api.get("/me", summary="The logged-in officer", responses={**success(schemas.OfficerOut), **OFFICER})
    def me(request: Request, ns: Namespace) -> dict[str, Any]:
        return auth.require(request, ns).to_json()

    @api.get("/dossiers", summary="The officer's agency's dossiers, newest first, with their deadline marks",
             responses={**success(schemas.AgencyDossiers), **OFFICER})
    def list_dossiers(
        request: Request, ns: Namespace,
        status: Annotated[int | None, Query(ge=1, le=10)] = None,
        channel: Annotated[int | None, Query(ge=1, le=3)] = None,
        deadline: Annotated[str | None, Query(description=", ".join(DEADLINE_NAMES))] = None,
        q: Annotated[str | None, Query(max_length=100, description="code or applicant name")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> dict[str, Any]:
        officer = auth.require(request, ns)
        if deadline is not None and deadline not in DEADLINE_NAMES:
            raise DomainError("INVALID_DEADLINE", "Tình trạng hạn không hợp lệ.",
                              f"deadline must be one of {', '.join(DEADLINE_NAMES)}.")
        if q:
            check_encodable(q, "q")
        total, found = workflow.list_for_agency(ns, officer, status=status, channel=channel, deadline=deadline, q=q,
                                                limit=limit, offset=offset)
        return {"total": total, "offset": offset, "agency_code": officer.agency_code,
                "items": [workflow.officer_view(ns, officer, d, full=False) for d in found]}

    @api.post("/dossiers", status_code=201,
              summary="Enter a dossier handed in at the counter (channel 1) or arriving by post (channel 3)",
              responses={**success(schemas.OfficerDossier, 201), **OFFICER, 404: {"description": "No such procedure"}})
    def register(body: RegisterIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.model_dump())
        officer = auth.require(request, ns)
        d = workflow.register(ns, officer, procedure_code=body.procedure_code, channel=body.channel,
                              applicant=body.applicant.model_dump(), documents=body.documents,
                              result_delivery=body.result_delivery,
                              postal_address=body.postal_address.model_dump() if body.postal_address else None,
                              note=body.note)
        return workflow.officer_view(ns, officer, d, portal.tracking_base)

    @api.get("/dossiers/{code}", summary="One of the agency's dossiers, with its deadline and the allowed actions",
             responses={**success(schemas.OfficerDossier), **OFFICER})
    def get_dossier(code: Code, request: Request, ns: Namespace) -> dict[str, Any]:
        return view(ns, auth.require(request, ns), code)

    @api.get("/dossiers/{code}/attachments/{attachment_id}", summary="A file of the dossier",
             response_class=Response, responses={**FILE, **OFFICER})
    def attachment(code: Code, attachment_id: AttachmentId, request: Request, ns: Namespace) -> Response:
        workflow.dossier(ns, auth.require(request, ns), code)
        info, content = portal.dossiers.attachment(ns, code, attachment_id)
        return Response(content, media_type=info.content_type)

    @api.get("/dossiers/{code}/slips/{number}", summary="Slip 01–05 (Circular 01/2018) as text",
             response_class=Response, responses={**content("text/plain", "The slip"), **OFFICER})
    def get_slip(code: Code, number: Annotated[str, PathParam(max_length=4)], request: Request,
                 ns: Namespace) -> Response:
        name, text = slip(workflow.dossier(ns, auth.require(request, ns), code), number)
        return Response(text, media_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    def act(ns: str, request: Request, code: str, fn: Any, *args: Any) -> dict[str, Any]:
        officer = auth.require(request, ns)
        fn(ns, officer, code, *args)
        return view(ns, officer, code)

    @api.post("/dossiers/{code}/receive", summary="Receive an online dossier (1 → 2): the appointment counts from now",
              responses=ACTION)
    def receive(code: Code, request: Request, ns: Namespace, body: NoteIn | None = None) -> dict[str, Any]:
        return act(ns, request, code, workflow.receive, (body or NoteIn()).note)

    @api.post("/dossiers/{code}/refuse", summary="Refuse to receive (1 → 3), with the reason (form 03)",
              responses=ACTION)
    def refuse(code: Code, body: ReasonIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.reason, "reason")
        return act(ns, request, code, workflow.refuse, body.reason)

    @api.post("/dossiers/{code}/supplement-request",
              summary="Ask for a supplement (→ 5, form 02): once, everything at once, within 3 working days",
              responses=ACTION)
    def supplement_request(code: Code, body: SupplementRequestIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.model_dump())
        return act(ns, request, code, workflow.request_supplement,
                   [i.model_dump() for i in body.items], body.note)

    @api.post("/dossiers/{code}/supplement",
              summary="Record the supplement of a paper dossier handed in at the desk (5 → back; the clock restarts)",
              responses=ACTION)
    def paper_supplement(code: Code, body: PaperSupplementIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.model_dump())
        return act(ns, request, code, workflow.record_supplement, body.documents, body.note)

    @api.post("/dossiers/{code}/process", summary="Take the dossier up for processing (2 → 4)", responses=ACTION)
    def process(code: Code, request: Request, ns: Namespace, body: NoteIn | None = None) -> dict[str, Any]:
        return act(ns, request, code, workflow.process, (body or NoteIn()).note)

    @api.post("/dossiers/{code}/payment-request", summary="Ask the applicant to pay the fee online (4 → 6)",
              responses=ACTION)
    def payment_request(code: Code, request: Request, ns: Namespace, body: NoteIn | None = None) -> dict[str, Any]:
        return act(ns, request, code, workflow.request_payment, (body or NoteIn()).note)

    @api.post("/dossiers/{code}/result",
              summary="The result is ready (4 → 9 with its documents; → 6 while an online fee is unpaid)",
              responses=ACTION)
    def result(code: Code, body: ResultIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.model_dump())
        return act(ns, request, code, workflow.result_ready, [d.model_dump() for d in body.documents], body.note)

    @api.post("/dossiers/{code}/return", summary="Hand the result over at the desk (9 → 10)", responses=ACTION)
    def return_result(code: Code, request: Request, ns: Namespace, body: NoteIn | None = None) -> dict[str, Any]:
        return act(ns, request, code, workflow.return_result, (body or NoteIn()).note)

    @api.post("/dossiers/{code}/stop", summary="Stop processing (→ 8), with the reason", responses=ACTION)
    def stop(code: Code, body: ReasonIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.reason, "reason")
        return act(ns, request, code, workflow.stop, body.reason)

    @api.post("/dossiers/{code}/withdraw", summary="Record the applicant's withdrawal asked at the desk (→ 7)",
              responses=ACTION)
    def withdraw(code: Code, body: ReasonIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.reason, "reason")
        return act(ns, request, code, workflow.withdraw_at_desk, body.reason)

    @api.post("/dossiers/{code}/reschedule",
              summary="Apology and new date (form 04): once, at least one working day before the deadline",
              responses=ACTION)
    def reschedule(code: Code, body: RescheduleIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.model_dump())
        return act(ns, request, code, workflow.reschedule, body.new_date, body.reason)

    return api


def stats_router(portal: ProvincialPortal) -> APIRouter:
    api = APIRouter(prefix="/api/v1/stats", tags=["campaign statistics"])

    @api.get("/online-rate", summary="Online share per tier and agency, and the other campaign figures",
             responses=success(schemas.OnlineRate))
    def online_rate(ns: Namespace, date_from: Day = None, date_to: DayTo = None) -> dict[str, Any]:
        return portal.stats.compute(ns, date_from, date_to)

    @api.get("/online-rate.csv", summary="The same figures as CSV (UTF-8 with BOM): one row per tier and agency",
             response_class=Response, responses=content("text/csv", "The figures as CSV"))
    def online_rate_csv(ns: Namespace, date_from: Day = None, date_to: DayTo = None) -> Response:
        figures = portal.stats.compute(ns, date_from, date_to)
        name = f"ty-le-truc-tuyen-{figures['from']}-{figures['to']}.csv"
        return Response("\ufeff" + portal.stats.csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return api
