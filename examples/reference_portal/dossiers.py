"""Dossiers: the catalogue, the submission rules, the status moves, and what each move tells the others.

Every change is one transaction that writes the dossier, its history and the outgoing messages
(national sync; postal order) to the outbox, so nothing is lost while a partner is down.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .store import Store

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
STATUS_NAMES = {1: "Mới đăng ký", 2: "Được tiếp nhận", 3: "Không được tiếp nhận", 4: "Đang xử lý",
                5: "Yêu cầu bổ sung giấy tờ", 6: "Yêu cầu thực hiện nghĩa vụ tài chính",
                7: "Công dân yêu cầu rút hồ sơ", 8: "Dừng xử lý", 9: "Đã xử lý xong", 10: "Đã trả kết quả"}
LEVEL_LABELS = {3: "Mức độ 3 — Một phần", 4: "Mức độ 4 — Toàn trình"}
DELIVERY_NAMES = {"counter": "Nhận tại bộ phận một cửa", "online": "Nhận kết quả trực tuyến",
                  "post": "Nhận qua dịch vụ bưu chính công ích"}
ADDRESS_FIELDS = ("name", "phone", "address", "province", "district", "commune")
FILE_KINDS = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_FILE = 5 * 1024 * 1024
SYSTEM = "Cổng DVC tham khảo"


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    tier: str  # "Cấp tỉnh", "Cấp huyện", "Cấp xã"


@dataclass(frozen=True)
class Procedure:
    code: str                               # national code (MaTTHC)
    name: str
    level: int
    fee: int                                # đồng; 0 when none
    agency: Agency
    processing_days: int
    result_by_post: bool
    fields: tuple[tuple[str, str], ...]     # (name, label) of the e-form's text fields, all required
    document: str                           # the one file asked for


SO_TU_PHAP = Agency("000.00.12.H47", "Sở Tư pháp tỉnh Quảng Nam", "Cấp tỉnh")
TAN_THANH = Agency("001.20.30.H47", "UBND Phường Tân Thạnh", "Cấp xã")
CATALOGUE = {p.code: p for p in (
    Procedure("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
              4, 200_000, SO_TU_PHAP, 10, True, (("muc_dich", "Mục đích sử dụng"),),
              "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"),
    Procedure("2.000635", "Cấp bản sao Trích lục hộ tịch", 3, 8_000, SO_TU_PHAP, 1, False,
              (("so_ban", "Số bản sao yêu cầu"),), "Tờ khai cấp bản sao trích lục hộ tịch"),
    Procedure("1.000894", "Đăng ký kết hôn", 3, 0, TAN_THANH, 1, False,
              (("ho_ten_ben_kia", "Họ tên người kết hôn cùng"), ("ngay_du_kien", "Ngày dự kiến tổ chức")),
              "Tờ khai đăng ký kết hôn"),
)}
AGENCIES = {p.agency.code: p.agency for p in CATALOGUE.values()}
TIER_KEYS = {"Cấp tỉnh": "province", "Cấp huyện": "district", "Cấp xã": "commune"}  # as the emulators' JSON says


def catalogue_item(proc: Procedure) -> dict[str, Any]:
    """A procedure in the shape the harness's journeys pick procedures from (docs/wiring.md, the catalogue)."""
    return {"code": proc.code, "national_code": proc.code, "name": proc.name, "level": proc.level,
            "tier": TIER_KEYS[proc.agency.tier], "agency_code": proc.agency.code, "agency_name": proc.agency.name,
            "fee": {"amount": proc.fee, "timing": "before"}, "result_by_post": proc.result_by_post,
            "processing_days": proc.processing_days, "applicant_types": [1],
            "form_fields": [{"name": name, "label": label, "type": "text", "required": True}
                            for name, label in proc.fields],
            "attachments": [{"code": "TK", "name": proc.document, "required": True}]}


class Refused(Exception):
    """A rule refuses the request: a code, a message in Vietnamese and English, and the HTTP status."""

    def __init__(self, code: str, vi: str, en: str, status: int = 400) -> None:
        super().__init__(f"{vi} / {en}")
        self.code, self.vi, self.en, self.status = code, vi, en, status


def now() -> datetime:
    return datetime.now(TZ).replace(microsecond=0)


def now_iso() -> str:
    return now().isoformat()


def wire_time(iso: str | None) -> str:
    """ISO time -> yyyyMMddHHmmss (Vietnam time), "" for none."""
    return datetime.fromisoformat(iso).astimezone(TZ).strftime("%Y%m%d%H%M%S") if iso else ""


def appointment(start: datetime, days: int) -> datetime:
    """`days` working days (Mon–Fri; this example ignores public holidays) after `start`, due at 17:00."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= day.weekday() < 5
    return day.replace(hour=17, minute=0, second=0)


def procedure(code: str) -> Procedure:
    if code not in CATALOGUE:
        raise Refused("PROCEDURE_NOT_FOUND", f"Không có thủ tục {code}.", f"No procedure {code}.", 404)
    return CATALOGUE[code]


def search(text: str = "", agency: str = "", tier: str = "") -> list[Procedure]:
    text = text.casefold().strip()
    return [p for p in CATALOGUE.values()
            if (not text or text in p.name.casefold() or p.code.startswith(text))
            and (not agency or p.agency.code == agency) and (not tier or p.agency.tier == tier)]


# -- submission ------------------------------------------------------------------------------------
def check_submission(proc: Procedure, form: dict[str, str], file_name: str, file_data: bytes, delivery: str,
                     payment: str | None, postal: dict[str, str] | None) -> str:
    """The rules of a submission (levels, postal return, the file). Returns the payment method."""
    missing = [label for name, label in proc.fields if not form.get(name, "").strip()]
    if missing:
        raise Refused("FIELD_REQUIRED", f"Chưa điền: {', '.join(missing)}.", f"Missing: {', '.join(missing)}.")
    if not file_data:
        raise Refused("ATTACHMENT_REQUIRED", f"Chưa đính kèm: {proc.document}.", f"Attach: {proc.document}.")
    if len(file_data) > MAX_FILE or not any(file_data.startswith(magic) for magic in FILE_KINDS):
        raise Refused("BAD_ATTACHMENT", f"Tệp {file_name} không phải PDF, PNG hoặc JPEG (tối đa 5 MB).",
                      f"The file {file_name} is not a PDF, PNG or JPEG (5 MB at most).")
    if delivery not in DELIVERY_NAMES:
        raise Refused("BAD_RESULT_DELIVERY", "Hình thức nhận kết quả không hợp lệ.", "Unknown result delivery.")
    if delivery == "online" and proc.level < 4:
        raise Refused("ONLINE_RESULT_NOT_OFFERED", "Thủ tục này không trả kết quả trực tuyến.",
                      "This procedure does not return its result online.")
    if proc.fee == 0:
        payment = "none"
    elif proc.level < 4:
        if payment == "online":
            raise Refused("ONLINE_PAYMENT_NOT_OFFERED", "Thủ tục mức độ 3 nộp phí tại cơ quan.",
                          "A level-3 procedure's fee is paid at the agency.")
        payment = "counter"
    payment = payment or "online"
    if payment not in ("online", "counter", "none"):
        raise Refused("BAD_PAYMENT_METHOD", "Hình thức thanh toán không hợp lệ.", "Unknown payment method.")
    if delivery == "post":
        if not proc.result_by_post:
            raise Refused("POSTAL_RETURN_NOT_OFFERED", "Thủ tục này không trả kết quả qua bưu chính.",
                          "This procedure does not return its result by post.")
        if payment == "counter":  # the province's rule (Decree 45/2020): a postal return is paid online
            raise Refused("POSTAL_NEEDS_ONLINE_PAYMENT",
                          "Nhận kết quả qua bưu chính cần thanh toán trực tuyến phí, lệ phí.",
                          "A result returned by post needs the fee paid online.")
        # two levels since 1 July 2025 (province and commune, ward or special zone): a district only where the
        # address still has one
        blank = [f for f in ADDRESS_FIELDS if f != "district" and not (postal or {}).get(f, "").strip()]
        if blank:
            raise Refused("POSTAL_ADDRESS_REQUIRED", "Chưa điền đủ địa chỉ nhận kết quả qua bưu chính.",
                          f"The postal address lacks {', '.join(blank)}.")
    return payment


def submit(store: Store, account_id: int, proc: Procedure, form: dict[str, str], file_name: str, file_data: bytes,
           delivery: str, payment: str | None, postal: dict[str, str] | None) -> str:
    method = check_submission(proc, form, file_name, file_data, delivery, payment, postal)
    kind = next(k for magic, k in FILE_KINDS.items() if file_data.startswith(magic))
    at = now()
    with store.tx() as db:
        day = at.strftime("%y%m%d")
        db.execute("INSERT INTO counters VALUES (?, ?, 1) ON CONFLICT (agency, day) DO UPDATE SET n = n + 1",
                   (proc.agency.code, day))
        number = db.execute("SELECT n FROM counters WHERE agency = ? AND day = ?",
                            (proc.agency.code, day)).fetchone()[0]
        code = f"{proc.agency.code}-{day}-{number:04d}"
        db.execute("INSERT INTO dossiers (code, account_id, procedure_code, agency_code, status, form, file_name,"
                   " file_type, file_data, result_delivery, payment_method, postal, fee, submitted_at, appointment)"
                   " VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (code, account_id, proc.code, proc.agency.code, json.dumps(form, ensure_ascii=False), file_name,
                    kind, file_data, delivery, method,
                    json.dumps(postal, ensure_ascii=False) if delivery == "post" else None,
                    proc.fee, at.isoformat(), appointment(at, proc.processing_days).isoformat()))
        _record(store, db, code, 1, "Nộp hồ sơ trực tuyến", created=True)
    return code


# -- moves ------------------------------------------------------------------------------------------
def _record(store: Store, db: Any, code: str, status: int, note: str, *, created: bool = False) -> None:
    """History entry + the national push: DongBoHoSoMC (isUpdating = not created), then CapNhatTienDoHoSoMC."""
    at = now_iso()
    db.execute("INSERT INTO history (code, at, status, note) VALUES (?, ?, ?, ?)", (code, at, status, note))
    row = dict(db.execute("SELECT d.*, a.full_name, a.id_number, a.email, a.phone FROM dossiers d "
                          "JOIN accounts a ON a.id = d.account_id WHERE d.code = ?", (code,)).fetchone())
    proc = CATALOGUE[row["procedure_code"]]
    store.enqueue(db, "sync", code, {"madonvi": proc.agency.code, "service": "DongBoHoSoMC",
                                     "isUpdating": not created, "data": [sync_dossier(row, proc)]})
    if not created:
        store.enqueue(db, "sync", code, {"madonvi": proc.agency.code, "service": "CapNhatTienDoHoSoMC", "data": [{
            "MaHoSo": code, "NguoiXuLy": SYSTEM, "ChucDanh": "", "ThoiDiemXuLy": wire_time(at),
            "PhongBanXuLy": proc.agency.name, "NoiDungXuLy": note, "TrangThai": status,
            "NgayBatDau": wire_time(at), "NgayKetThucTheoQuyDinh": wire_time(row["appointment"])}]})


def sync_dossier(row: dict[str, Any], proc: Procedure) -> dict[str, Any]:
    """A dossier as DongBoHoSoMC carries it (the sync gateway's field names: docs/protocols.md)."""
    return {
        "MaHoSo": row["code"], "MaTTHC": proc.code, "TenTTHC": proc.name, "KenhThucHien": 2,
        "ChuHoSo": row["full_name"], "SoGiayToChuHoSo": row["id_number"], "LoaiDoiTuong": 1,
        "Email": row["email"], "SoDienThoai": row["phone"], "TrichYeuHoSo": f"{proc.name} — {row['full_name']}",
        "NgayNopHoSo": wire_time(row["submitted_at"]), "NgayTiepNhan": "", "NgayHenTra": wire_time(row["appointment"]),
        "TrangThaiHoSo": row["status"], "NgayTra": wire_time(row["returned_at"]),
        "HinhThuc": 1 if row["result_delivery"] == "post" else 0, "DonViXuLy": proc.agency.name,
        "DuocThanhToanTrucTuyen": 1 if row["paid"] else 3,
    }


def _move(store: Store, db: Any, code: str, status: int, note: str) -> None:
    db.execute("UPDATE dossiers SET status = ? WHERE code = ?", (status, code))
    if status == 10:
        db.execute("UPDATE dossiers SET returned_at = ? WHERE code = ?", (now_iso(), code))
    _record(store, db, code, status, note)


def _finish(store: Store, db: Any, row: dict[str, Any]) -> None:
    """The result is ready: held (6) while an online fee is unpaid; else 9, and handed to the post if asked."""
    if row["fee"] and row["payment_method"] == "online" and not row["paid"]:
        _move(store, db, row["code"], 6, "Có kết quả; chờ công dân thanh toán phí, lệ phí trực tuyến")
        return
    _move(store, db, row["code"], 9, "Đã xử lý xong, có kết quả")
    if row["result_delivery"] == "post":
        store.enqueue(db, "postal", f"postal:{row['code']}", {"code": row["code"]})


def result_ready(store: Store, code: str) -> None:
    """The back office's work in one step (this example has no officers): received, processed, result."""
    with store.tx() as db:
        row = _row(db, code)
        if row["status"] not in (1, 2, 4):
            raise Refused("RESULT_READY_NOT_ALLOWED", f"Hồ sơ đang ở trạng thái {STATUS_NAMES[row['status']]}.",
                          f"The dossier is in status {row['status']}.", 409)
        for status, note in ((2, "Tiếp nhận hồ sơ"), (4, "Chuyển xử lý")):
            if row["status"] < status:
                _move(store, db, code, status, note)
        _finish(store, db, _row(db, code))


def download_result(store: Store, code: str) -> None:
    """The e-result of an online return: the first download returns it (10)."""
    with store.tx() as db:
        row = _row(db, code)
        if row["result_delivery"] != "online" or row["status"] not in (9, 10):
            raise Refused("NO_RESULT_ONLINE", "Chưa có kết quả điện tử.", "No e-result to download.", 409)
        if row["status"] == 9:
            _move(store, db, code, 10, "Công dân tải kết quả điện tử")


def _row(db: Any, code: str) -> dict[str, Any]:
    row = db.execute("SELECT * FROM dossiers WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise Refused("DOSSIER_NOT_FOUND", f"Không tìm thấy hồ sơ {code}.", f"No dossier {code}.", 404)
    return dict(row)


# -- payment ----------------------------------------------------------------------------------------
def payment_started(store: Store, code: str, reference: str, amount: int, url: str) -> None:
    with store.tx() as db:
        db.execute("INSERT OR REPLACE INTO payments (reference, code, amount, status, url, created_at)"
                   " VALUES (?, ?, ?, 'created', ?, ?)", (reference, code, amount, url, now_iso()))


def apply_payment(store: Store, reference: str, state: str, transaction_id: str = "", bank: str = "") -> bool:
    """What the platform says of a transaction (CONFIRM, return or QUERY); idempotent. True when it changed."""
    with store.tx() as db:
        pay = db.execute("SELECT * FROM payments WHERE reference = ?", (reference,)).fetchone()
        if pay is None or pay["status"] in ("paid", "failed") or pay["status"] == state:
            return False
        db.execute("UPDATE payments SET status = ?, transaction_id = ?, bank = ? WHERE reference = ?",
                   (state, transaction_id, bank, reference))
        if state != "paid":
            return True
        db.execute("UPDATE dossiers SET paid = 1 WHERE code = ?", (pay["code"],))
        row = _row(db, pay["code"])
        _record(store, db, row["code"], row["status"],
                f"Đã thanh toán trực tuyến {pay['amount']:,} đ (mã giao dịch {transaction_id})".replace(",", "."))
        if row["status"] == 6:
            _finish(store, db, row)
    return True


def next_reference(store: Store, code: str) -> str:
    count = store.one("SELECT COUNT(*) AS n FROM payments WHERE code = ?", code)
    return f"{code}-{(count or {'n': 0})['n'] + 1}"


# -- postal -----------------------------------------------------------------------------------------
def postal_ordered(store: Store, code: str, waybill: str) -> None:
    with store.tx() as db:
        if _row(db, code)["waybill"]:
            return
        db.execute("UPDATE dossiers SET waybill = ?, postal_state = COALESCE(postal_state, 'Đã tiếp nhận đơn hàng')"
                   " WHERE code = ?", (waybill, code))
        _record(store, db, code, 9, f"Đã chuyển kết quả cho bưu chính, mã vận đơn {waybill}")


def postal_event(store: Store, event: dict[str, Any]) -> None:
    """A tracking event, found by OrderNumber (= MaHoSo): the `created` one may arrive before our order call returns."""
    with store.tx() as db:
        row = _row(db, str(event.get("OrderNumber", "")))
        added = db.execute("INSERT OR IGNORE INTO postal_events (code, waybill, status, status_name, at, location)"
                           " VALUES (?, ?, ?, ?, ?, ?)", (row["code"], event["ItemCode"], event["Status"],
                                                          event.get("StatusName", ""), str(event.get("Time", "")),
                                                          event.get("Location", ""))).rowcount
        if not added:
            return  # a replay
        db.execute("UPDATE dossiers SET postal_state = ? WHERE code = ?", (event.get("StatusName", ""), row["code"]))
        if event["Status"] == "delivered" and row["status"] == 9:
            _move(store, db, row["code"], 10, "Bưu chính đã phát kết quả thành công")
        elif event["Status"] == "returned":
            _record(store, db, row["code"], row["status"], "Bưu chính chuyển hoàn kết quả về cơ quan")
