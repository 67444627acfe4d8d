"""The one-stop slips of Circular 01/2018 for a dossier, as plain text (emulator copies, no legal value).

01 receipt and appointment · 02 supplement request · 03 refusal · 04 apology and new date ·
05 process control sheet. Each exists once the dossier reached the point it records.
"""

from __future__ import annotations

from mocks.core.errors import NotFound
from mocks.core.timefmt import VN_TZ, from_iso

from .dossier.entity import REFUSED, STATUS_NAMES, Dossier

TITLES: dict[str, str] = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "05": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
}


def _day(text: str | None) -> str:
    moment = from_iso(text)
    return moment.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y") if moment else ""


def available(d: Dossier) -> list[str]:
    """The slips this dossier has."""
    out = []
    if d.received_at is not None:
        out.append("01")
    if d.supplement:
        out.append("02")
    if d.status == REFUSED:
        out.append("03")
    if d.reschedule:
        out.append("04")
    if d.received_at is not None:
        out.append("05")
    return out


def slip(d: Dossier, number: str) -> tuple[str, str]:
    """(file name, text) of slip `number` of the dossier; 404 when it does not have that slip."""
    if number not in TITLES or number not in available(d):
        raise NotFound("SLIP_NOT_AVAILABLE", f"Hồ sơ {d.code} không có phiếu mẫu số {number[:4]}.",
                       f"Dossier {d.code} has no slip {number[:4]}.", details={"available": available(d)})
    lines = [f"{d.agency_name.upper()}", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", "",
             "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "",
             f"Mẫu số {number} — {TITLES[number]}", f"Mã hồ sơ: {d.code}", f"Thủ tục: {d.procedure_name}",
             f"Người nộp: {d.applicant_name}", ""]
    if number == "01":
        lines += [f"Kênh tiếp nhận: {d.channel_name}", f"Thời điểm tiếp nhận: {_day(d.received_at.isoformat())}",
                  "Thành phần hồ sơ: " + ("; ".join(a.filename for a in d.attachments)
                                          or "; ".join(d.form.get("giay_to_da_nop", [])) or "—"),
                  f"Ngày hẹn trả kết quả: {_day(d.appointment_at.isoformat())}"]
    elif number == "02":
        asked = d.supplement or {}
        lines += [f"Ngày yêu cầu: {_day(asked.get('requested_at'))}", f"Người yêu cầu: {asked.get('officer', '')}",
                  "Nội dung yêu cầu bổ sung, hoàn thiện:"]
        lines += [f"  {i}. {item['name']}" + (f" — {item['reason']}" if item.get("reason") else "")
                  for i, item in enumerate(asked.get("items", []), start=1)]
        if asked.get("note"):
            lines.append(f"Ghi chú: {asked['note']}")
        if asked.get("answered_at"):
            lines.append(f"Đã bổ sung lúc: {_day(asked['answered_at'])}")
    elif number == "03":
        lines += [f"Lý do từ chối: {d.closing_reason or ''}"]
    elif number == "04":
        moved = d.reschedule or {}
        lines += [f"{d.agency_name} xin lỗi Ông/Bà vì hồ sơ chưa được giải quyết đúng hạn.",
                  f"Lý do: {moved.get('reason', '')}", f"Ngày hẹn trả cũ: {_day(moved.get('from'))}",
                  f"Ngày hẹn trả mới: {_day(moved.get('to'))}", f"Người ký: {moved.get('officer', '')}"]
    else:
        lines += ["Thời gian | Người thực hiện | Trạng thái | Nội dung"]
        lines += [f"{h.at.astimezone(VN_TZ):%H:%M %d/%m/%Y} | {h.actor} ({h.role}) | {STATUS_NAMES[h.to_status]} |"
                  f" {h.note}" for h in d.history]
    lines += ["", "Tài liệu này do môi trường giả lập dvc-harness tạo ra, không có giá trị pháp lý.", ""]
    return f"mau-{number}-{d.code}.txt", "\n".join(lines)
