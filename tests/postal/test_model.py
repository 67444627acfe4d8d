"""The postal model's rules: waybills, validation, idempotency, the state machine, events and webhooks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from mocks.core.clock import Clock
from mocks.core.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized
from mocks.core.outbox import Outbox
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.postal import s10
from mocks.postal.model import MAX_COD, WEBHOOK_KIND, Customer, PostalService
from mocks.postal.places import Tariff, office_for, same_province

from .conftest import PORTAL, order_body

NS = "t-model"
T0 = datetime(2025, 1, 14, 9, 30, 0, tzinfo=VN_TZ)


@pytest.fixture
def portal(postal: PostalService) -> Customer:
    return postal.builtin_customer()


def create(postal: PostalService, customer: Customer, ns: str = NS, **changes: Any):
    order, created = postal.create_order(ns, customer, order_body(customer.code, **changes))
    assert created
    return order


# -- S10 waybills ---------------------------------------------------------------------------------
class TestS10:
    def test_check_digit_of_the_upu_example(self) -> None:
        # RR 47312482 9 GB: 4*8+7*6+3*4+1*2+2*3+4*5+8*9+2*7 = 200; 200 % 11 = 2; 11 - 2 = 9
        assert s10.check_digit("47312482") == 9
        assert s10.is_valid("RR473124829GB")

    def test_compose_worked_example(self) -> None:
        # 1*8+2*6+3*4+4*2+5*3+6*5+7*9+8*7 = 204; 204 % 11 = 6; 11 - 6 = 5
        assert s10.compose("EB", 12345678) == "EB123456785VN"
        # 8*8+7*6+6*4+5*2+4*3+3*5+2*9+1*7 = 192; 192 % 11 = 5; 11 - 5 = 6
        assert s10.compose("EE", 87654321, "CA") == "EE876543216CA"

    def test_ten_is_written_zero_and_eleven_five(self) -> None:
        assert s10.check_digit("00000050") == 0   # 5*9 = 45; 45 % 11 = 1; 11 - 1 = 10 -> 0
        assert s10.check_digit("00000000") == 5   # sum 0; 11 - 0 = 11 -> 5

    @pytest.mark.parametrize("code", [
        "RR473124828GB",    # wrong check digit
        "RR47312482GB",     # too short
        "R1473124829GB",    # digit in the service indicator
        "rr473124829gb",    # lower case
        "RR473124829G",     # no country
        "",
    ])
    def test_invalid_codes(self, code: str) -> None:
        assert not s10.is_valid(code)

    def test_compose_refuses_out_of_range(self) -> None:
        with pytest.raises(ValueError):
            s10.compose("EB", 100_000_000)
        with pytest.raises(ValueError):
            s10.compose("E1", 1)


class TestWaybills:
    def test_issued_waybills_are_unique_valid_and_sequential(self, postal: PostalService, portal: Customer) -> None:
        codes = [create(postal, portal, OrderNumber=f"HS-{i}").item_code for i in range(25)]
        assert len(set(codes)) == 25
        assert all(s10.is_valid(c) and c.startswith("EB") and c.endswith("VN") for c in codes)
        serials = [int(c[2:10]) for c in codes]
        assert serials == list(range(serials[0], serials[0] + 25))

    def test_each_namespace_has_its_own_counter(self, postal: PostalService, portal: Customer) -> None:
        first_a = create(postal, portal, ns="ns-a").item_code
        first_b = create(postal, portal, ns="ns-b").item_code
        assert first_a == first_b
        assert postal.find_order("ns-c", first_a) is None

    def test_customer_chosen_item_code(self, postal: PostalService, portal: Customer) -> None:
        chosen = s10.compose("RR", 47312482)
        order = create(postal, portal, ItemCode=chosen.lower())
        assert order.item_code == chosen
        with pytest.raises(Conflict) as taken:
            create(postal, portal, OrderNumber="HS-other", ItemCode=chosen)
        assert taken.value.code == "ITEM_CODE_TAKEN"

    def test_counter_skips_a_code_a_customer_brought(self, postal: PostalService, portal: Customer) -> None:
        first = create(postal, portal, OrderNumber="HS-1").item_code
        postal.reset(NS)
        create(postal, portal, OrderNumber="HS-mine", ItemCode=first)
        issued = create(postal, portal, OrderNumber="HS-2").item_code
        assert issued != first and int(issued[2:10]) == int(first[2:10]) + 1


# -- validation ------------------------------------------------------------------------------------
def with_party(party: str, **fields: Any) -> dict[str, Any]:
    body = order_body("x")
    value = dict(body[party])
    for key, v in fields.items():
        if v is None:
            value.pop(key, None)
        else:
            value[key] = v
    return {party: value}


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    ("no order number", {"OrderNumber": None}, "OrderNumber", "MISSING_FIELD"),
    ("blank order number", {"OrderNumber": "   "}, "OrderNumber", "MISSING_FIELD"),
    ("order number too long", {"OrderNumber": "H" * 65}, "OrderNumber", "FIELD_TOO_LONG"),
    ("order number not text", {"OrderNumber": 12345}, "OrderNumber", "INVALID_FIELD"),
    ("no customer code", {"CustomerCode": None}, "CustomerCode", "MISSING_FIELD"),
    ("receiver not an object", {"Receiver": "Nguyễn Văn A"}, "Receiver", "INVALID_FIELD"),
    ("no receiver name", with_party("Receiver", Name=None), "Receiver.Name", "MISSING_FIELD"),
    ("no receiver tel", with_party("Receiver", Tel=None), "Receiver.Tel", "MISSING_FIELD"),
    ("no receiver address", with_party("Receiver", Address=""), "Receiver.Address", "MISSING_FIELD"),
    ("no receiver province", with_party("Receiver", Province=None), "Receiver.Province", "MISSING_FIELD"),
    ("short tel", with_party("Receiver", Tel="12345"), "Receiver.Tel", "INVALID_PHONE"),
    ("unknown mobile prefix", with_party("Receiver", Tel="0123456789"), "Receiver.Tel", "INVALID_PHONE"),
    ("landline too short", with_party("Receiver", Tel="023581234"), "Receiver.Tel", "INVALID_PHONE"),
    ("landline too long", with_party("Receiver", Tel="023538123456"), "Receiver.Tel", "INVALID_PHONE"),
    ("landline in non-ASCII digits", with_party("Receiver", Tel="02٣٥٣٨١٢٣٤٥"), "Receiver.Tel", "INVALID_PHONE"),
    ("tel not text", with_party("Receiver", Tel=912345678), "Receiver.Tel", "INVALID_FIELD"),
    ("bad sender tel", with_party("Sender", Tel="+1 555 0100"), "Sender.Tel", "INVALID_PHONE"),
    ("bad e-mail", with_party("Receiver", Email="thuha.example.vn"), "Receiver.Email", "INVALID_EMAIL"),
    ("address too long", with_party("Receiver", Address="x" * 501), "Receiver.Address", "FIELD_TOO_LONG"),
    ("negative COD", {"CODAmount": -1}, "CODAmount", "INVALID_FIELD"),
    ("fractional COD", {"CODAmount": 1500.5}, "CODAmount", "INVALID_FIELD"),
    ("COD as words", {"CODAmount": "hai trăm"}, "CODAmount", "INVALID_FIELD"),
    ("COD as boolean", {"CODAmount": True}, "CODAmount", "INVALID_FIELD"),
    ("huge COD", {"CODAmount": MAX_COD + 1}, "CODAmount", "INVALID_FIELD"),
    ("giant COD", {"CODAmount": 10**40}, "CODAmount", "INVALID_FIELD"),
    ("item code with a wrong check digit", {"ItemCode": "EB123456784VN"}, "ItemCode", "INVALID_ITEM_CODE"),
    ("description too long", {"Description": "x" * 2001}, "Description", "FIELD_TOO_LONG"),
]


@pytest.mark.parametrize(("case", "changes", "field", "code"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_orders_are_refused(
    postal: PostalService, portal: Customer, outbox: Outbox, case: str, changes: dict[str, Any], field: str, code: str,
) -> None:
    body = order_body(portal.code)
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    with pytest.raises(DomainError) as refused:
        postal.create_order(NS, portal, body)
    assert refused.value.status == 400
    assert refused.value.code == code
    assert [p["field"] for p in refused.value.details] == [field]
    assert field in refused.value.vi and field in refused.value.en
    assert postal.orders(NS) == [] and outbox.messages(NS) == []


def test_every_problem_is_reported_at_once(postal: PostalService, portal: Customer) -> None:
    with pytest.raises(DomainError) as refused:
        postal.create_order(NS, portal, {"CustomerCode": portal.code, "Receiver": {"Tel": "0912"}})
    fields = [p["field"] for p in refused.value.details]
    assert fields == ["OrderNumber", "Receiver.Name", "Receiver.Tel", "Receiver.Address", "Receiver.Province"]
    assert refused.value.code == "INVALID_ORDER"


def test_body_must_be_an_object(postal: PostalService, portal: Customer) -> None:
    with pytest.raises(DomainError) as refused:
        postal.create_order(NS, portal, ["not", "an", "object"])  # type: ignore[arg-type]
    assert refused.value.code == "INVALID_BODY"


def test_customer_code_must_be_the_callers(postal: PostalService, portal: Customer) -> None:
    with pytest.raises(Forbidden) as refused:
        postal.create_order(NS, portal, order_body("SOMEONE_ELSE"))
    assert refused.value.status == 403 and refused.value.code == "CUSTOMER_MISMATCH"


def test_values_are_normalised(postal: PostalService, portal: Customer) -> None:
    receiver = {**order_body("x")["Receiver"], "Tel": "+84 912 345 678"}
    sender = {**order_body("x")["Sender"], "Tel": "0235.3812.345"}
    order = create(postal, portal, Receiver=receiver, Sender=sender, CODAmount="15000", OrderNumber="  HS-1  ")
    assert order.receiver["Tel"] == "0912345678"
    assert order.sender["Tel"] == "02353812345"
    assert order.cod_amount == 15000
    assert order.order_number == "HS-1"


@pytest.mark.parametrize("tel", ["0912345678", "0352345678", "02353812345", "0241234567", "(0235) 381-2345"])
def test_phones_accepted(postal: PostalService, portal: Customer, tel: str) -> None:
    receiver = {**order_body("x")["Receiver"], "Tel": tel}
    assert create(postal, portal, Receiver=receiver).receiver["Tel"].isdigit()


def test_optional_fields(postal: PostalService, portal: Customer) -> None:
    order = create(postal, portal, Sender=None, CODAmount=None, Description=None, OrderNumber="H" * 64)
    assert order.cod_amount == 0 and order.description == "" and order.sender["Name"] == ""


# -- idempotency --------------------------------------------------------------------------------------
def test_same_order_number_answers_the_same_waybill(
    postal: PostalService, portal: Customer, outbox: Outbox,
) -> None:
    first, created = postal.create_order(NS, portal, order_body(portal.code))
    again, created_again = postal.create_order(NS, portal, order_body(portal.code))
    assert created and not created_again
    assert again.item_code == first.item_code
    assert len(postal.orders(NS)) == 1
    assert len(again.events) == 1
    assert len(outbox.messages(NS, WEBHOOK_KIND)) == 1
    same, _ = postal.create_order(NS, portal, order_body(portal.code, ItemCode=first.item_code))
    assert same.item_code == first.item_code
    with pytest.raises(Conflict) as other_code:
        postal.create_order(NS, portal, order_body(portal.code, ItemCode=s10.compose("EB", 55555555)))
    assert other_code.value.code == "ORDER_NUMBER_TAKEN"


def test_order_numbers_belong_to_their_customer(postal: PostalService, portal: Customer) -> None:
    other, _ = postal.register_customer(customer_code="BUU_DIEN_KHAC", name="Khách hàng khác")
    mine = create(postal, portal)
    theirs = create(postal, other)
    assert mine.order_number == theirs.order_number and mine.item_code != theirs.item_code


# -- tariff ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("province", "fee"), [
    ("Quảng Nam", 22_000), ("Tỉnh Quảng Nam", 22_000), ("quang nam", 22_000), ("TP Đà Nẵng", 35_000),
    ("Hà Nội", 35_000),
])
def test_tariff_by_destination(postal: PostalService, portal: Customer, province: str, fee: int) -> None:
    receiver = {**order_body("x")["Receiver"], "Province": province}
    assert create(postal, portal, Receiver=receiver).total_fee == fee


def test_tariff_without_sender_assumes_quang_nam(postal: PostalService, portal: Customer) -> None:
    assert create(postal, portal, Sender=None).total_fee == 22_000


def test_tariff_is_data(store: Store, clock: Clock, outbox: Outbox, config) -> None:
    postal = PostalService(store, clock, outbox, config, tariff=Tariff(within_province=20_000, other_province=40_000))
    assert create(postal, postal.builtin_customer()).total_fee == 20_000


def test_places() -> None:
    assert same_province("Thành phố Đà Nẵng", "Đà Nẵng")
    assert not same_province("Quảng Nam", "Quảng Ngãi")
    assert office_for("Huyện Đại Lộc", "Quảng Nam") == "Bưu cục Đại Lộc"
    assert office_for("Thi xa Dien Ban", "Quang Nam") == "Bưu cục Điện Bàn"
    assert office_for("", "") == "Bưu cục Tam Kỳ"
    assert office_for("Hải Châu", "Đà Nẵng") == "Bưu cục phát Hải Châu, Đà Nẵng"


# -- the state machine --------------------------------------------------------------------------------
STATES = ["created", "picked_up", "in_transit", "delivered", "delivery_failed", "returned"]
ROUTE = {  # how to reach each state from `created`
    "created": [],
    "picked_up": ["picked_up"],
    "in_transit": ["picked_up", "in_transit"],
    "delivered": ["picked_up", "in_transit", "delivered"],
    "delivery_failed": ["picked_up", "in_transit", "delivery_failed"],
    "returned": ["picked_up", "in_transit", "delivery_failed", "returned"],
}
LEGAL = {
    ("created", "picked_up"), ("picked_up", "in_transit"), ("in_transit", "delivered"),
    ("in_transit", "delivery_failed"), ("delivery_failed", "returned"), ("delivery_failed", "in_transit"),
}
ILLEGAL = [(a, b) for a in STATES for b in STATES if (a, b) not in LEGAL]


def order_in(postal: PostalService, customer: Customer, state: str):
    order = create(postal, customer)
    for step in ROUTE[state]:
        order = postal.advance(NS, order.item_code, step)
    assert order.state == state
    return order


@pytest.mark.parametrize(("start", "target"), sorted(LEGAL))
def test_legal_transitions(postal: PostalService, portal: Customer, start: str, target: str) -> None:
    order = order_in(postal, portal, start)
    moved = postal.advance(NS, order.item_code, target)
    assert moved.state == target
    assert [e.status for e in moved.events] == ["created", *ROUTE[start], target]


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_illegal_transitions(postal: PostalService, portal: Customer, start: str, target: str) -> None:
    order = order_in(postal, portal, start)
    with pytest.raises(Conflict) as refused:
        postal.advance(NS, order.item_code, target)
    assert refused.value.status == 409
    assert refused.value.code in ("ILLEGAL_TRANSITION", "ORDER_CLOSED")
    after = postal.order(NS, order.item_code)
    assert after.state == start and len(after.events) == len(order.events)


def test_default_next_state_follows_the_happy_path(postal: PostalService, portal: Customer) -> None:
    order = create(postal, portal)
    seen = [postal.advance(NS, order.item_code).state for _ in range(3)]
    assert seen == ["picked_up", "in_transit", "delivered"]
    with pytest.raises(Conflict) as closed:
        postal.advance(NS, order.item_code)
    assert closed.value.code == "ORDER_CLOSED"


def test_a_failed_delivery_is_tried_again_by_default(postal: PostalService, portal: Customer) -> None:
    order = order_in(postal, portal, "delivery_failed")
    again = postal.advance(NS, order.item_code)
    assert again.state == "in_transit"
    assert again.events[-1].note.startswith("Phát lại")
    assert postal.advance(NS, order.item_code).state == "delivered"


def test_unknown_target_state_and_unknown_order(postal: PostalService, portal: Customer) -> None:
    order = create(postal, portal)
    with pytest.raises(DomainError) as unknown:
        postal.advance(NS, order.item_code, "lost_in_space")
    assert unknown.value.status == 400 and unknown.value.code == "UNKNOWN_STATE"
    with pytest.raises(NotFound):
        postal.advance(NS, "EB999999995VN")
    with pytest.raises(NotFound):
        postal.advance("another-ns", order.item_code)


# -- events and the clock -----------------------------------------------------------------------------
def test_events_carry_the_namespace_clock(postal: PostalService, portal: Customer, clock: Clock) -> None:
    clock.set(NS, T0)
    order = create(postal, portal)
    clock.advance(NS, 3600)
    postal.advance(NS, order.item_code)
    clock.advance(NS, 86400)
    moved = postal.advance(NS, order.item_code)
    assert [e.time for e in moved.events] == [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=25)]
    assert [e.to_wire()["Time"] for e in moved.events] == ["20250114093000", "20250114103000", "20250115103000"]
    assert moved.created_at == T0 and moved.updated_at == T0 + timedelta(hours=25)
    assert [e.seq for e in moved.events] == [1, 2, 3]


def test_events_say_where(postal: PostalService, portal: Customer) -> None:
    order = order_in(postal, portal, "delivered")
    assert [e.location for e in order.events] == [
        "Bưu cục Tam Kỳ", "Bưu cục Tam Kỳ", "Trung tâm khai thác Quảng Nam", "Bưu cục Hội An",
    ]
    assert [e.status_name for e in order.events] == [
        "Đã tiếp nhận đơn hàng", "Đã lấy hàng", "Đang vận chuyển", "Đã phát thành công",
    ]


def test_returned_parcel_goes_back_to_the_sender_office(postal: PostalService, portal: Customer) -> None:
    receiver = {**order_body("x")["Receiver"], "Province": "Đà Nẵng", "District": "Hải Châu"}
    order = create(postal, portal, Receiver=receiver)
    for step in ["picked_up", "in_transit", "delivery_failed", "returned"]:
        order = postal.advance(NS, order.item_code, step)
    assert [e.location for e in order.events][-2:] == ["Bưu cục phát Hải Châu, Đà Nẵng", "Bưu cục Tam Kỳ"]
    assert order.total_fee == 35_000


def test_event_location_and_note_can_be_given(postal: PostalService, portal: Customer) -> None:
    order = create(postal, portal)
    moved = postal.advance(NS, order.item_code, location="Bưu cục Núi Thành", note="Người gửi mang đến quầy")
    assert (moved.events[-1].location, moved.events[-1].note) == ("Bưu cục Núi Thành", "Người gửi mang đến quầy")
    with pytest.raises(DomainError):
        postal.advance(NS, order.item_code, note="x" * 501)


# -- webhooks -------------------------------------------------------------------------------------------
def test_each_event_queues_a_webhook_in_order(postal: PostalService, portal: Customer, outbox: Outbox) -> None:
    order = order_in(postal, portal, "returned")
    messages = outbox.messages(NS, WEBHOOK_KIND)
    assert [m["payload"]["event"]["Status"] for m in messages] == [
        "created", "picked_up", "in_transit", "delivery_failed", "returned",
    ]
    assert {m["key"] for m in messages} == {order.item_code}
    assert all(m["status"] == "pending" for m in messages)
    first = messages[0]["payload"]
    assert first["customer_code"] == portal.code and first["url"] == PORTAL + "/api/postal/events"
    event = first["event"]
    assert event == {
        "ItemCode": order.item_code, "OrderNumber": order.order_number, "CustomerCode": portal.code,
        "Status": "created", "StatusName": "Đã tiếp nhận đơn hàng", "Time": order.events[0].to_wire()["Time"],
        "Location": "Bưu cục Tam Kỳ", "Note": order.events[0].note,
    }
    assert outbox.messages("another-ns") == []


def test_no_webhook_no_message(postal: PostalService, outbox: Outbox) -> None:
    quiet, _ = postal.register_customer(customer_code="KH_KHONG_WEBHOOK", name="Không có webhook")
    order = create(postal, quiet)
    postal.advance(NS, order.item_code)
    assert outbox.messages(NS) == []


# -- customers -------------------------------------------------------------------------------------------
def test_builtin_customer_comes_from_config(postal: PostalService, config) -> None:
    portal = postal.builtin_customer()
    assert portal.code == config.credentials.postal_customer_code
    assert portal.access_token == config.credentials.postal_access_token
    assert portal.webhook_url == PORTAL + "/api/postal/events"
    assert portal.name == "Cổng Dịch vụ công tỉnh Quảng Nam" and portal.built_in
    assert postal.authenticate(config.credentials.postal_access_token) == portal


def test_register_customers(postal: PostalService) -> None:
    made, created = postal.register_customer(customer_code="KH01", name="Cổng DVC thử nghiệm",
                                             webhook_url="https://example.test/hook")
    assert created and len(made.access_token) >= 8
    assert postal.authenticate(made.access_token).code == "KH01"
    again, created_again = postal.register_customer(customer_code="KH01", name="Tên mới",
                                                    webhook_url="http://10.0.0.5:9000/events")
    assert not created_again and again.access_token == made.access_token
    assert postal.customer("KH01") == again
    chosen, _ = postal.register_customer(customer_code="KH02", name="Khách 2", access_token="my-secret-token")
    assert postal.authenticate("my-secret-token") == chosen
    assert [c.code for c in postal.customers()][1:] == ["KH01", "KH02"]


@pytest.mark.parametrize(("fields", "code"), [
    ({"customer_code": "", "name": "A"}, "INVALID_CUSTOMER_CODE"),
    ({"customer_code": "có dấu", "name": "A"}, "INVALID_CUSTOMER_CODE"),
    ({"customer_code": "KH", "name": " "}, "INVALID_CUSTOMER_NAME"),
    ({"customer_code": "KH", "name": "A", "access_token": "short"}, "INVALID_ACCESS_TOKEN"),
    ({"customer_code": "KH", "name": "A", "access_token": "has a space"}, "INVALID_ACCESS_TOKEN"),
    ({"customer_code": "KH", "name": "A", "webhook_url": "ftp://x.test/"}, "INVALID_WEBHOOK_URL"),
    ({"customer_code": "KH", "name": "A", "webhook_url": "not a url"}, "INVALID_WEBHOOK_URL"),
])
def test_bad_registrations(postal: PostalService, fields: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        postal.register_customer(**fields)
    assert refused.value.status == 400 and refused.value.code == code


def test_registration_conflicts(postal: PostalService, config) -> None:
    with pytest.raises(Conflict):
        postal.register_customer(customer_code=config.credentials.postal_customer_code, name="Giả mạo")
    with pytest.raises(Conflict):
        postal.register_customer(customer_code="KH9", name="A", access_token=config.credentials.postal_access_token)
    postal.register_customer(customer_code="KH8", name="A", access_token="token-of-kh8")
    with pytest.raises(Conflict):
        postal.register_customer(customer_code="KH9", name="B", access_token="token-of-kh8")


@pytest.mark.parametrize("token", [None, "", "wrong-token", "tôi-không-phải-ascii"])
def test_unknown_tokens_are_refused(postal: PostalService, token: str | None) -> None:
    with pytest.raises(Unauthorized):
        postal.authenticate(token)


def test_an_order_is_seen_by_its_customer_only(postal: PostalService, portal: Customer) -> None:
    other, _ = postal.register_customer(customer_code="KH_KHAC", name="Khác")
    order = create(postal, portal)
    assert postal.order_for(NS, portal, order.item_code).item_code == order.item_code
    assert postal.order_for(NS, portal, order.item_code.lower()).item_code == order.item_code
    with pytest.raises(Forbidden):
        postal.order_for(NS, other, order.item_code)


# -- reset and restart --------------------------------------------------------------------------------
def test_reset_erases_the_namespace_only(postal: PostalService, portal: Customer) -> None:
    postal.register_customer(customer_code="KH_GIU", name="Giữ lại")
    kept = create(postal, portal, ns="ns-keep")
    gone = order_in(postal, portal, "in_transit")
    postal.reset(NS)
    assert postal.find_order(NS, gone.item_code) is None and postal.orders(NS) == []
    assert postal.find_order("ns-keep", kept.item_code) is not None
    assert postal.customer("KH_GIU") is not None
    assert create(postal, portal).item_code == gone.item_code   # the counter starts again


def test_orders_survive_a_restart(tmp_path, config, portal: Customer, postal: PostalService) -> None:
    order = order_in(postal, portal, "picked_up")
    fresh_store = Store(tmp_path / "x.db")
    again = PostalService(fresh_store, Clock(Store(tmp_path / "control.db")), Outbox(fresh_store, "postal"), config)
    assert again.order(NS, order.item_code) == order
    assert again.advance(NS, order.item_code).state == "in_transit"
    fresh_store.close()


def test_orders_listing(postal: PostalService, portal: Customer) -> None:
    a = create(postal, portal, OrderNumber="HS-A")
    create(postal, portal, OrderNumber="HS-B")
    assert [o.item_code for o in postal.orders(NS, "HS-A")] == [a.item_code]
    assert len(postal.orders(NS)) == 2
    assert len(postal.orders(NS, limit=1)) == 1
    view = a.admin_view()
    assert view["state"] == "created" and view["next_states"] == ["picked_up"]


# -- the delivery schedule: orders move by themselves as the namespace's clock runs ------------------
def test_a_schedule_moves_orders_at_their_due_times(postal: PostalService, clock: Clock, portal: Customer) -> None:
    clock.set(NS, datetime(2022, 1, 10, 8, 0, tzinfo=VN_TZ))
    order, _ = postal.create_order(NS, portal, order_body(portal.code))
    start = order.created_at
    assert postal.catch_up(NS) == 0                       # no schedule: orders wait for the admin
    postal.set_schedule(NS, {"picked_up": 2})
    clock.advance(NS, 3 * 3600)
    assert postal.catch_up(NS) == 1
    clock.advance(NS, 40 * 3600)
    assert postal.catch_up(NS) == 2
    moved = postal.order(NS, order.item_code)
    assert moved.state == "delivered"
    times = [e.time - start for e in moved.events]
    assert times == [timedelta(0), timedelta(hours=2), timedelta(hours=10), timedelta(hours=34)]
    assert postal.catch_up(NS) == 0


def test_a_schedule_is_checked(postal: PostalService) -> None:
    with pytest.raises(DomainError):
        postal.set_schedule(NS, {"flying": 1})
    with pytest.raises(DomainError):
        postal.set_schedule(NS, {"delivered": 0})
    assert postal.set_schedule(NS, None) is None and postal.schedule(NS) is None
