"""The national protocols' code lists that every service speaks: dossier statuses, channels, levels."""

DOSSIER_STATUS: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
CHANNELS: dict[int, str] = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua dịch vụ bưu chính công ích"}
RESULT_DELIVERY: dict[int, str] = {0: "Nhận tại bộ phận một cửa", 1: "Qua dịch vụ bưu chính công ích"}
APPLICANT_TYPES: dict[int, str] = {1: "Công dân", 2: "Doanh nghiệp", 3: "Cơ quan nhà nước", 4: "Tổ chức khác"}
LEVEL_LABELS: dict[int, str] = {
    1: "Mức độ 1 (thông tin)",
    2: "Mức độ 2",
    3: "Một phần (mức độ 3)",
    4: "Toàn trình (mức độ 4)",
}


# The postal protocol's result `Status` (VNPost via the provincial gateway): only "100" is known; the rest are
# [assumed]. The postal service answers with it, and so does a portal's webhook for the postal service.
POSTAL_STATUS_OK = "100"
POSTAL_STATUS_BY_HTTP: dict[int, str] = {400: "101", 413: "101", 422: "101", 401: "102", 403: "103", 404: "104",
                                         409: "105"}
POSTAL_STATUS_OTHER = "199"


def postal_status(http_status: int) -> str:
    """The postal protocol's `Status` for an error answer with this HTTP status."""
    return POSTAL_STATUS_BY_HTTP.get(http_status, POSTAL_STATUS_OTHER)
