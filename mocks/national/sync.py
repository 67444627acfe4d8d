"""The dossier-sync gateway: provincial one-stop systems push dossiers and their progress.

The wire format real provincial systems speak (Vietnamese field names kept; docs/protocols.md).
Every answer carries `error_code` (0 success). A batch is all-or-nothing: one bad item
refuses the batch and names the item and the field. Replays are recognised by content, so a
retried push never creates a second dossier or a second progress entry.

Beyond the shape of each field, a pushed item must make sense, so that a real adapter's
bugs show here rather than in production: its MaHoSo a real date and number of the
pushing unit (`madonvi`), its MaTTHC a procedure of the national catalogue, NgayHenTra
not before NgayNopHoSo.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mocks.core.clock import Clock
from mocks.core.codes import CHANNELS, DOSSIER_STATUS, RESULT_DELIVERY
from mocks.core.config import StackConfig
from mocks.core.errors import DomainError
from mocks.core.identifiers import InvalidIdentifier, parse_dossier_code
from mocks.core.security import digest, hash_password, verify_password
from mocks.core.storage import Store, dumps, loads
from mocks.core.timefmt import from_wire, to_iso
from mocks.core.world import Worlds

from .catalogue import NationalCatalogue

SESSION_SECONDS = 1800
MAX_ITEMS = 500
SERVICES: tuple[str, ...] = ("DongBoHoSoMC", "CapNhatTienDoHoSoMC", "TraCuuHoSo", "LayThuTuc", "LayDanhSachTTHC")

# error_code values of our gateway [assumed]: 0 is the protocol's success.
OK = 0
ERR_LOGIN = 1
ERR_SESSION = 2
ERR_DATA = 3
ERR_SERVICE = 4
ERR_NOT_FOUND = 5
ERR_CONFLICT = 6
ERR_FORBIDDEN = 7

_SMALL_NUMBER = re.compile(r"^[0-9]{1,5}$")
# MaHoSo -> whether the pushing unit took the dossier over from the unit in its code
TakenOver = Callable[[str], bool] | None
DOSSIER_DATES: tuple[str, ...] = ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayTra")
DOSSIER_TEXTS: tuple[str, ...] = ("TenTTHC", "ChuHoSo", "SoGiayToChuHoSo", "Email", "SoDienThoai", "TrichYeuHoSo",
                                  "DonViXuLy")
DOSSIER_LISTS: tuple[str, ...] = ("TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua")
PROGRESS_TEXTS: tuple[str, ...] = ("NguoiXuLy", "ChucDanh", "PhongBanXuLy", "NoiDungXuLy")


class SyncError(DomainError):
    """A refusal of the sync gateway: the house error body plus the protocol's `error_code` and `message`."""

    def __init__(self, error_code: int, code: str, vi: str, en: str, *, status: int = 400,
                 details: Any = None) -> None:
        super().__init__(code, vi, en, status=status, details=details)
        self.error_code = error_code

    def body(self) -> dict[str, Any]:
        return {**super().body(), "error_code": self.error_code, "message": self.vi}


@dataclass(frozen=True)
class SyncSession:
    username: str
    madonvi: str | None


def _int(value: Any) -> int | None:
    """An integer code as real systems send it: 2 or "2"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _SMALL_NUMBER.match(value.strip()):
        return int(value.strip())
    return None


def _content_hash(item: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _wire_to_iso(value: Any) -> str | None:
    try:
        return to_iso(from_wire(value)) if isinstance(value, str) and value else None
    except ValueError:
        return None


class _Problems:
    """Collects what is wrong with the items of a batch; each problem names the item and the field."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, index: int, item: Mapping[str, Any], field: str, vi: str, en: str) -> None:
        code = item.get("MaHoSo") if isinstance(item.get("MaHoSo"), str) else None
        self.items.append({"index": index, "MaHoSo": code, "field": field, "problem_vi": vi, "problem_en": en})

    def code(self, i: int, item: Mapping[str, Any], field: str, allowed: range | tuple[int, ...], *,
             required: bool) -> None:
        value = item.get(field)
        if value is None or value == "":
            if required:
                self.add(i, item, field, "bắt buộc", "is required")
            return
        number = _int(value)
        if number is None or number not in allowed:
            shown = f"{allowed[0]}–{allowed[-1]}" if isinstance(allowed, range) else "/".join(map(str, allowed))
            self.add(i, item, field, f"phải là một trong {shown}", f"must be one of {shown}")

    def date(self, i: int, item: Mapping[str, Any], field: str, *, required: bool) -> None:
        value = item.get(field)
        if value is None or value == "":
            if required:
                self.add(i, item, field, "bắt buộc", "is required")
            return
        if _wire_to_iso(value) is None:
            self.add(i, item, field, "phải có dạng yyyyMMddHHmmss", "must be a yyyyMMddHHmmss date")

    def text(self, i: int, item: Mapping[str, Any], field: str, *, required: bool = False, limit: int = 2000) -> None:
        value = item.get(field)
        if value is None or value == "":
            if required:
                self.add(i, item, field, "bắt buộc", "is required")
            return
        if not isinstance(value, str) or len(value) > limit:
            self.add(i, item, field, f"phải là chuỗi tối đa {limit} ký tự", f"must be a string of at most {limit}")

    def ma_ho_so(self, i: int, item: Mapping[str, Any], madonvi: str, taken_over: TakenOver = None) -> None:
        """A code of the right shape, a real date, a number from 0001, of the unit that pushes it — or of a unit
        whose dossier the pusher took over (`taken_over`: the hand-over of 1 July 2025)."""
        try:
            code = parse_dossier_code(item.get("MaHoSo"))
        except InvalidIdentifier as exc:
            self.add(i, item, "MaHoSo", exc.vi, exc.en)
            return
        if code.agency_code != madonvi and not (taken_over is not None and taken_over(str(item["MaHoSo"]))):
            self.add(i, item, "MaHoSo", f"thuộc đơn vị {code.agency_code}, không phải đơn vị gửi (madonvi {madonvi})",
                     f"belongs to unit {code.agency_code}, not to the pushing unit (madonvi {madonvi})")

    def procedure(self, i: int, item: Mapping[str, Any], catalogue: NationalCatalogue) -> None:
        value = item.get("MaTTHC")
        # An empty catalogue (its data not loaded) cannot tell an unknown code: refusing for good would turn a
        # passing problem of ours into every dossier rejected for ever.
        named = isinstance(value, str) and value and len(value) <= 50
        if named and catalogue.known() and catalogue.find(value) is None:
            self.add(i, item, "MaTTHC", f"'{value}' không có trong danh mục thủ tục hành chính quốc gia",
                     f"'{value}' is not a procedure of the national catalogue")

    def not_before(self, i: int, item: Mapping[str, Any], field: str, earlier: str) -> None:
        """`field` is not before `earlier`, when both are valid dates (a malformed one is reported already)."""
        late, early = _wire_to_iso(item.get(field)), _wire_to_iso(item.get(earlier))
        if late and early and from_wire(str(item[field])) < from_wire(str(item[earlier])):
            self.add(i, item, field, f"không được trước {earlier} ({item[earlier]})",
                     f"must not be before {earlier} ({item[earlier]})")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        where = f"data[{first['index']}]" + (f" ({first['MaHoSo']})" if first["MaHoSo"] else "")
        raise SyncError(ERR_DATA, "INVALID_SYNC_DATA",
                        f"Dữ liệu không hợp lệ: {where}.{first['field']} {first['problem_vi']}.",
                        f"Invalid data: {where}.{first['field']} {first['problem_en']}.", details=self.items)


def _items(data: Any) -> list[Mapping[str, Any]]:
    if not isinstance(data, list) or not data:
        raise SyncError(ERR_DATA, "INVALID_SYNC_DATA", "Trường data phải là danh sách không rỗng.",
                        "data must be a non-empty list.")
    if len(data) > MAX_ITEMS:
        raise SyncError(ERR_DATA, "TOO_MANY_ITEMS", f"Mỗi lần gửi tối đa {MAX_ITEMS} mục.",
                        f"At most {MAX_ITEMS} items per call.", status=413)
    problems = _Problems()
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            problems.add(i, {}, "data", "mỗi mục phải là một đối tượng JSON", "each item must be a JSON object")
    problems.raise_if_any()
    return data


def check_dossiers(data: Any, madonvi: str, catalogue: NationalCatalogue,
                   taken_over: TakenOver = None) -> list[Mapping[str, Any]]:
    """DongBoHoSoMC's items; every problem of the batch is listed (SyncError, error_code 3)."""
    items = _items(data)
    p = _Problems()
    for i, item in enumerate(items):
        p.ma_ho_so(i, item, madonvi, taken_over)
        p.text(i, item, "MaTTHC", required=True, limit=50)
        p.procedure(i, item, catalogue)
        p.code(i, item, "TrangThaiHoSo", range(1, 11), required=True)
        p.code(i, item, "KenhThucHien", range(1, 4), required=True)
        p.code(i, item, "HinhThuc", (0, 1), required=False)
        p.code(i, item, "LoaiDoiTuong", range(1, 5), required=True)
        p.code(i, item, "DuocThanhToanTrucTuyen", range(1, 4), required=False)
        for field in DOSSIER_DATES:
            p.date(i, item, field, required=False)
        p.not_before(i, item, "NgayHenTra", "NgayNopHoSo")
        for field in DOSSIER_TEXTS:
            p.text(i, item, field)
        for field in DOSSIER_LISTS:
            if item.get(field) is not None and not isinstance(item.get(field), list):
                p.add(i, item, field, "phải là danh sách", "must be a list")
    p.raise_if_any()
    return items


def check_progress(data: Any, madonvi: str, taken_over: TakenOver = None) -> list[Mapping[str, Any]]:
    """CapNhatTienDoHoSoMC's items; every problem of the batch is listed (SyncError, error_code 3)."""
    items = _items(data)
    p = _Problems()
    for i, item in enumerate(items):
        p.ma_ho_so(i, item, madonvi, taken_over)
        p.code(i, item, "TrangThai", range(1, 11), required=True)
        p.date(i, item, "ThoiDiemXuLy", required=True)
        p.date(i, item, "NgayBatDau", required=False)
        p.date(i, item, "NgayKetThucTheoQuyDinh", required=False)
        for field in PROGRESS_TEXTS:
            p.text(i, item, field)
    p.raise_if_any()
    return items


def _flag(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise SyncError(ERR_DATA, "INVALID_SYNC_DATA", "isUpdating phải là true hoặc false.",
                    "isUpdating must be true or false.")


class SyncGateway:
    def __init__(self, store: Store, clock: Clock, config: StackConfig, catalogue: NationalCatalogue) -> None:
        self.store = store
        self.clock = clock
        self.worlds = Worlds(clock)
        self.config = config
        self.catalogue = catalogue

    def _takes_over(self, ns: str, madonvi: str, *, updating: bool) -> TakenOver:
        """From 1 July 2025 (two tiers) a district's dossier goes on at another unit, under its old code: that unit
        may update it (DongBoHoSoMC isUpdating true: the gateway records it as the dossier's unit), then push its
        progress. Creating a dossier under another unit's code stays refused."""
        if not self.worlds.of(ns).two_tiers:
            return None

        def taken_over(code: str) -> bool:
            row = self.store.one("SELECT madonvi FROM synced_dossier WHERE ns = ? AND ma_ho_so = ?", (ns, code))
            return row is not None and (updating or row["madonvi"] == madonvi)

        return taken_over

    # -- gateway accounts (stack-wide) ---------------------------------------------------------
    def register_account(self, username: str, password: str, madonvi: str | None = None) -> dict[str, Any]:
        username = (username or "").strip()
        if not re.match(r"^[A-Za-z0-9_.@\-]{3,100}$", username):
            raise DomainError("INVALID_USERNAME", "Tên tài khoản gồm 3–100 ký tự chữ, số, '_', '.', '@' hoặc '-'.",
                              "username is 3-100 letters, digits, '_', '.', '@' or '-'.")
        if not isinstance(password, str) or not 8 <= len(password) <= 200:
            raise DomainError("INVALID_PASSWORD", "Mật khẩu dài 8–200 ký tự.", "password must be 8-200 characters.")
        if madonvi is not None and not re.match(r"^[A-Za-z0-9.\-]{1,50}$", madonvi):
            raise DomainError("INVALID_MADONVI", "Mã đơn vị không hợp lệ.", "Invalid madonvi.")
        if username == self.config.credentials.sync_username:
            raise DomainError("SYNC_ACCOUNT_BUILT_IN", "Đây là tài khoản dựng sẵn của bộ giả lập.",
                              "This is the stack's built-in sync account.", status=409)
        self.store.execute(
            "INSERT INTO sync_account(username, password_hash, madonvi, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash, madonvi = excluded.madonvi",
            (username, hash_password(password), madonvi, time.time()),
        )
        return {"username": username, "madonvi": madonvi}

    def accounts(self) -> list[dict[str, Any]]:
        rows = self.store.query("SELECT username, madonvi FROM sync_account ORDER BY created_at, username")
        return [{"username": self.config.credentials.sync_username, "madonvi": None, "built_in": True}] + [
            {"username": r["username"], "madonvi": r["madonvi"], "built_in": False} for r in rows]

    def _check_account(self, username: str, password: str) -> SyncSession | None:
        creds = self.config.credentials
        if hmac.compare_digest(username.encode(), creds.sync_username.encode()):
            ok = hmac.compare_digest(password.encode(), creds.sync_password.encode())
            return SyncSession(username, None) if ok else None
        row = self.store.one("SELECT password_hash, madonvi FROM sync_account WHERE username = ?", (username,))
        if row is None or not verify_password(password, row["password_hash"]):
            return None
        return SyncSession(username, row["madonvi"])

    # -- sessions ---------------------------------------------------------------------------
    def login(self, ns: str, username: str, password: str) -> dict[str, Any]:
        account = self._check_account(username or "", password or "")
        if account is None:
            raise SyncError(ERR_LOGIN, "SYNC_LOGIN_FAILED", "Sai tên đăng nhập hoặc mật khẩu.",
                            "Wrong user name or password.", status=401)
        token = secrets.token_urlsafe(32)
        self.store.execute(
            "INSERT INTO sync_session(ns, session_hash, username, madonvi, expires_at) VALUES (?, ?, ?, ?, ?)",
            (ns, digest(token), account.username, account.madonvi,
             self.clock.now(ns).timestamp() + SESSION_SECONDS),
        )
        return {"session": token, "error_code": OK, "message": "Đăng nhập thành công", "expires_in": SESSION_SECONDS}

    def session(self, ns: str, token: Any) -> SyncSession:
        row = None
        if isinstance(token, str) and token:
            row = self.store.one("SELECT * FROM sync_session WHERE ns = ? AND session_hash = ?", (ns, digest(token)))
        if row is None or self.clock.now(ns).timestamp() > row["expires_at"]:
            raise SyncError(ERR_SESSION, "SYNC_SESSION_INVALID",
                            "Phiên làm việc không hợp lệ hoặc đã hết hạn, vui lòng đăng nhập lại.",
                            "Unknown or expired session; log in again.", status=401)
        return SyncSession(row["username"], row["madonvi"])

    # -- services --------------------------------------------------------------------------------
    def call(self, ns: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """One call `{session, madonvi, service, ...}` → `{error_code: 0, message, result}`."""
        session = self.session(ns, request.get("session"))
        service = request.get("service")
        if service not in SERVICES:
            raise SyncError(ERR_SERVICE, "UNKNOWN_SERVICE", f"Dịch vụ '{str(service)[:60]}' không tồn tại.",
                            f"Unknown service '{str(service)[:60]}'.", details={"services": list(SERVICES)})
        if service in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC"):
            madonvi = request.get("madonvi")
            if not isinstance(madonvi, str) or not madonvi.strip():
                raise SyncError(ERR_DATA, "MISSING_MADONVI", "Thiếu mã đơn vị (madonvi).", "madonvi is required.")
            if session.madonvi and madonvi != session.madonvi:
                raise SyncError(ERR_FORBIDDEN, "MADONVI_FORBIDDEN",
                                f"Tài khoản chỉ được đồng bộ cho đơn vị {session.madonvi}.",
                                f"This account may only sync for unit {session.madonvi}.", status=403)
            if service == "DongBoHoSoMC":
                result: Any = self.push_dossiers(ns, madonvi, _flag(request.get("isUpdating")), request.get("data"))
            else:
                result = self.push_progress(ns, madonvi, request.get("data"))
        elif service == "TraCuuHoSo":
            code = request.get("mahoso")
            found = self.dossier(ns, code) if isinstance(code, str) else None
            if found is None:
                raise SyncError(ERR_NOT_FOUND, "DOSSIER_NOT_FOUND", f"Không tìm thấy hồ sơ {str(code)[:60]}.",
                                f"No dossier {str(code)[:60]}.", status=404)
            result = found
        elif service == "LayThuTuc":
            code = request.get("maTTHC")
            procedure = self.catalogue.find(code) if isinstance(code, str) else None
            if procedure is None:
                raise SyncError(ERR_NOT_FOUND, "PROCEDURE_NOT_FOUND", f"Không tìm thấy thủ tục {str(code)[:60]}.",
                                f"No procedure {str(code)[:60]}.", status=404)
            result = self.catalogue.wire(procedure)
        else:
            result = [self.catalogue.wire(p) for p in self.catalogue.procedures()]
        return {"error_code": OK, "message": "Thành công", "result": result}

    def push_dossiers(self, ns: str, madonvi: str, is_updating: bool, data: Any) -> list[dict[str, Any]]:
        """DongBoHoSoMC: create (isUpdating false; an identical replay is fine) or update (true) dossiers."""
        items = check_dossiers(data, madonvi, self.catalogue, self._takes_over(ns, madonvi, updating=is_updating))
        now = to_iso(self.clock.now(ns))
        results: list[dict[str, Any]] = []
        with self.store.transaction() as conn:  # all or nothing: a SyncError below rolls the batch back
            for i, item in enumerate(items):
                code = str(item["MaHoSo"])
                content = _content_hash(item)
                row = conn.execute("SELECT created_hash, content_hash FROM synced_dossier WHERE ns = ? AND "
                                   "ma_ho_so = ?", (ns, code)).fetchone()
                status = _int(item["TrangThaiHoSo"])
                if not is_updating:
                    if row is None:
                        conn.execute(
                            "INSERT INTO synced_dossier(ns, ma_ho_so, ma_tthc, madonvi, status, data, created_hash, "
                            "content_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (ns, code, item["MaTTHC"], madonvi, status, dumps(item), content, content, now, now))
                        results.append({"MaHoSo": code, "action": "created"})
                    elif content in (row["created_hash"], row["content_hash"]):
                        results.append({"MaHoSo": code, "action": "unchanged"})
                    else:
                        raise SyncError(ERR_CONFLICT, "DOSSIER_EXISTS",
                                        f"data[{i}]: hồ sơ {code} đã tồn tại với nội dung khác; "
                                        "dùng isUpdating=true để cập nhật.",
                                        f"data[{i}]: dossier {code} exists with other content; "
                                        "send isUpdating=true to update it.",
                                        status=409, details=[{"index": i, "MaHoSo": code, "field": "MaHoSo"}])
                elif row is None:
                    raise SyncError(ERR_NOT_FOUND, "DOSSIER_NOT_FOUND",
                                    f"data[{i}]: chưa có hồ sơ {code} để cập nhật (gửi isUpdating=false để tạo).",
                                    f"data[{i}]: no dossier {code} to update (send isUpdating=false to create it).",
                                    status=404, details=[{"index": i, "MaHoSo": code, "field": "MaHoSo"}])
                elif content == row["content_hash"]:
                    results.append({"MaHoSo": code, "action": "unchanged"})
                else:
                    conn.execute(
                        "UPDATE synced_dossier SET ma_tthc = ?, madonvi = ?, status = ?, data = ?, content_hash = ?, "
                        "updated_at = ? WHERE ns = ? AND ma_ho_so = ?",
                        (item["MaTTHC"], madonvi, status, dumps(item), content, now, ns, code))
                    results.append({"MaHoSo": code, "action": "updated"})
        return results

    def push_progress(self, ns: str, madonvi: str, data: Any) -> list[dict[str, Any]]:
        """CapNhatTienDoHoSoMC: append progress; the dossier's status follows the newest item's TrangThai."""
        items = check_progress(data, madonvi, self._takes_over(ns, madonvi, updating=False))
        now = to_iso(self.clock.now(ns))
        results: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            for i, item in enumerate(items):
                code = str(item["MaHoSo"])
                row = conn.execute("SELECT last_progress_at FROM synced_dossier WHERE ns = ? AND ma_ho_so = ?",
                                   (ns, code)).fetchone()
                if row is None:
                    raise SyncError(ERR_NOT_FOUND, "DOSSIER_NOT_FOUND",
                                    f"data[{i}].MaHoSo: chưa có hồ sơ {code} (gửi DongBoHoSoMC trước).",
                                    f"data[{i}].MaHoSo: no dossier {code} (push it with DongBoHoSoMC first).",
                                    status=404, details=[{"index": i, "MaHoSo": code, "field": "MaHoSo"}])
                added = conn.execute(
                    "INSERT OR IGNORE INTO dossier_progress(ns, ma_ho_so, item_hash, data, received_at) "
                    "VALUES (?, ?, ?, ?, ?)", (ns, code, _content_hash(item), dumps(item), now)).rowcount
                if not added:
                    results.append({"MaHoSo": code, "action": "unchanged"})
                    continue
                at = str(item["ThoiDiemXuLy"])
                if row["last_progress_at"] is None or at >= row["last_progress_at"]:  # wire dates sort as text
                    conn.execute("UPDATE synced_dossier SET status = ?, last_progress_at = ?, updated_at = ? "
                                 "WHERE ns = ? AND ma_ho_so = ?", (_int(item["TrangThai"]), at, now, ns, code))
                results.append({"MaHoSo": code, "action": "added"})
        return results

    # -- reading -----------------------------------------------------------------------------------
    def _record(self, ns: str, code: str) -> tuple[Any, list[dict[str, Any]]] | None:
        row = self.store.one("SELECT * FROM synced_dossier WHERE ns = ? AND ma_ho_so = ?", (ns, code.strip()))
        if row is None:
            return None
        progress = [loads(r["data"]) for r in self.store.query(
            "SELECT data FROM dossier_progress WHERE ns = ? AND ma_ho_so = ? ORDER BY id", (ns, row["ma_ho_so"]))]
        progress.sort(key=lambda p: str(p.get("ThoiDiemXuLy", "")))  # stable: same time keeps arrival order
        return row, progress

    def dossier(self, ns: str, code: str) -> dict[str, Any] | None:
        """TraCuuHoSo: the dossier as pushed, its current status and its progress (QuaTrinhXuLy)."""
        found = self._record(ns, code)
        if found is None:
            return None
        row, progress = found
        return {**loads(row["data"]), "TrangThaiHoSo": row["status"],
                "TenTrangThaiHoSo": DOSSIER_STATUS.get(row["status"], ""), "QuaTrinhXuLy": progress}

    def lookup(self, ns: str, code: str) -> dict[str, Any] | None:
        """The public look-up view (our API's English names)."""
        found = self._record(ns, code)
        if found is None:
            return None
        row, progress = found
        d = loads(row["data"])
        procedure = self.catalogue.find(row["ma_tthc"])
        channel = _int(d.get("KenhThucHien"))
        delivery = _int(d.get("HinhThuc"))
        return {
            "code": row["ma_ho_so"],
            "procedure_code": row["ma_tthc"],
            "procedure_name": d.get("TenTTHC") or (procedure["name"] if procedure else ""),
            "agency_code": row["madonvi"],
            "agency": d.get("DonViXuLy") or row["madonvi"],
            "applicant": d.get("ChuHoSo") or "",
            "status": row["status"],
            "status_name": DOSSIER_STATUS.get(row["status"], ""),
            "channel": channel,
            "channel_name": CHANNELS.get(channel or 0, ""),
            "result_delivery": delivery,
            "result_delivery_name": RESULT_DELIVERY.get(delivery, "") if delivery is not None else "",
            "submitted_at": _wire_to_iso(d.get("NgayNopHoSo")),
            "received_at": _wire_to_iso(d.get("NgayTiepNhan")),
            "due_at": _wire_to_iso(d.get("NgayHenTra")),
            "returned_at": _wire_to_iso(d.get("NgayTra")),
            "updated_at": row["updated_at"],
            "progress": [{
                "at": _wire_to_iso(p.get("ThoiDiemXuLy")),
                "handler": p.get("NguoiXuLy") or "",
                "title": p.get("ChucDanh") or "",
                "department": p.get("PhongBanXuLy") or "",
                "content": p.get("NoiDungXuLy") or "",
                "status": _int(p.get("TrangThai")),
                "status_name": DOSSIER_STATUS.get(_int(p.get("TrangThai")) or 0, ""),
                "started_at": _wire_to_iso(p.get("NgayBatDau")),
                "deadline": _wire_to_iso(p.get("NgayKetThucTheoQuyDinh")),
            } for p in progress],
        }
