"""Exports: only visible tickets, masked as the party sees them, in flat memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc

import pytest
from openpyxl import load_workbook

from bulk.models import BulkJob
from bulk.runner import bulk_job_run
from bulk.services import bulk_export_create
from tenants.models import Role
from tests.conftest import drive, make_ticket
from tickets.models import Participant, ParticipantRole, Ticket, TicketCategory
from tickets.projections import ticket_for_party
from tickets.selectors import ticket_get_for_party
from tickets.services import ticket_assign, ticket_perform

from .conftest import key_client

pytestmark = pytest.mark.django_db


def _download(client, payload) -> bytes:
    response = client.get(payload["download_url"])
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_export_has_only_visible_tickets_masked_for_the_party(cast):
    routed = drive(cast, make_ticket(cast, order_number="DY1", buyer_consent=False)[0], "routed")
    make_ticket(cast, order_number="DY2")  # new: the brand does not take part
    make_ticket(cast, streamer=cast.weak_streamer, order_number="DY3")

    streamer = key_client(cast.streamer)
    job = streamer.post(
        "/api/v1/bulk-jobs/", {"kind": "export", "filters": {}}, format="json"
    ).json()
    rows = _rows(_download(streamer, job))
    assert sorted(r["order_number"] for r in rows) == ["DY1", "DY2"]
    assert {r["buyer_phone"] for r in rows} == {"13812345678"}  # the originator sees all

    brand = key_client(cast.brand)
    job = brand.post(
        "/api/v1/bulk-jobs/",
        {"kind": "export", "filters": {"category": "size_colour_change"}},
        format="json",
    ).json()
    (row,) = _rows(_download(brand, job))
    assert row["reference"] == routed.reference
    assert (row["buyer_phone"], row["buyer_name"]) == ("*******5678", "张*")
    assert row["buyer_address_detail"] == ""  # masked down to the district
    assert row["buyer_district"] == "西湖区"
    assert (row["form.new_size"], row["form.new_colour"]) == ("42", "black")


def test_xlsx_export_and_formula_cells_are_neutralised(cast):
    make_ticket(cast, order_number="DY1", subject='=HYPERLINK("http://x")')
    job = bulk_export_create(actor=cast.actor("lucy-live"), file_format="xlsx")
    job.refresh_from_db()
    sheet = load_workbook(job.result.open("rb"), read_only=True).worksheets[0]
    header, row = list(sheet.iter_rows(values_only=True))
    assert row[header.index("subject")] == '\'=HYPERLINK("http://x")'


def test_xlsx_export_keeps_markup_and_spaces_and_drops_what_xml_forbids(cast):
    ticket, _t = make_ticket(cast, order_number="DY1")
    # Written past the service, which trims and checks text: the file must cope with anything.
    Ticket.objects.filter(pk=ticket.pk).update(subject=" <b>Tom & Jerry</b>\x07 ")
    make_ticket(cast, order_number="DY2", buyer_name="")  # an empty cell between full ones
    job = bulk_export_create(actor=cast.actor("lucy-live"), file_format="xlsx")
    job.refresh_from_db()
    for read_only in (True, False):
        sheet = load_workbook(job.result.open("rb"), read_only=read_only).worksheets[0]
        header, *rows = list(sheet.iter_rows(values_only=True))
        assert len(header) == len(rows[0]) == len(rows[1])
        by_order = {row[header.index("order_number")]: row for row in rows}
        assert by_order["DY1"][header.index("subject")] == " <b>Tom & Jerry</b> "
        assert by_order["DY2"][header.index("buyer_name")] is None
        assert by_order["DY2"][header.index("buyer_phone")] == "13812345678"


def _expected_row(payload: dict) -> dict:
    """An export row as ``ticket_for_party``'s payload says it should read."""
    order, buyer = payload["order"], payload["buyer"]
    address = buyer["address"] or {}
    values = {
        "reference": payload["reference"],
        "category": payload["category"],
        "subject": payload["subject"],
        "order_number": order["number"],
        "brand": (order["brand"] or {}).get("name", ""),
        "merchant": (order["merchant"] or {}).get("name", ""),
        "buyer_name": buyer["name"],
        "buyer_phone": buyer["phone"],
        "buyer_province": address.get("province", ""),
        "buyer_city": address.get("city", ""),
        "buyer_district": address.get("district", ""),
        "buyer_address_detail": address.get("detail", ""),
        "handler": (payload["handler"] or {}).get("name", ""),
        "custody": (payload["custody"] or {}).get("name", ""),
        "assignee": payload["assignee"] or "",
        "resolve_by": payload["resolve_by"] or "",
        "created_at": payload["created_at"],
        "form_data": json.dumps(payload["form_data"], ensure_ascii=False),
    }
    for name, value in payload["form_data"].items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        values[f"form.{name}"] = text
    return values


def test_export_rows_agree_with_ticket_for_party_for_every_party(cast):
    """Each party's export shows what the API shows it: full or masked buyer data, masked
    personal form fields, handler, custody and assignee, across every visibility rule."""
    moved, _t = make_ticket(
        cast,
        category=TicketCategory.objects.get(code="address_change"),
        form_data={
            "new_address": {
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "detail": "文一路 8 号",
            }
        },
        buyer_consent=False,
    )
    moved = drive(cast, moved, "in_progress")
    ticket_assign(
        ticket=moved,
        assignee=cast.user("north-peak"),
        actor=cast.actor("north-peak", Role.SUPERVISOR),
    )
    shipped, _t = make_ticket(cast, order_number="DY2")  # consented; the merchant handles it
    ticket_perform(
        ticket=shipped, action="route", actor=cast.actor("lucy-live"), to_party=cast.merchant
    )
    make_ticket(cast, order_number="DY3")  # new: held by the streamer, no handler yet
    seen = {
        cast.streamer: 3,
        cast.platform: 3,
        cast.brand: 1,
        cast.merchant: 1,
    }
    for party, count in seen.items():
        for filters in ({}, {"category": "address_change"}):
            job = bulk_export_create(actor=cast.actor(party.slug), filters=filters)
            job.refresh_from_db()
            rows = _rows(job.result.open("rb").read())
            assert len(rows) == (count if not filters else int(party != cast.merchant))
            for row in rows:
                ticket = ticket_get_for_party(party, row["reference"])
                expected = _expected_row(ticket_for_party(ticket, party))
                assert {c: row[c] for c in row if c in expected} == {
                    c: v for c, v in expected.items() if c in row
                }, (party.slug, filters)
    masked = ticket_for_party(moved, cast.brand)
    assert masked["form_data"]["new_address"] == {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
    }
    assert ticket_for_party(shipped, cast.merchant)["buyer"]["masked"] is False


def _tickets_bulk(cast, count: int, start: int) -> None:
    """Many plain tickets fast; the memory test is about reading, not the write path."""
    category = TicketCategory.objects.get(code="size_colour_change")
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                reference=f"AS-BULK-{n:07d}",
                originator=cast.streamer,
                platform=cast.platform,
                category=category,
                subject="Shoes",
                order_number=f"DY{n:09d}",
                buyer_name="张三丰",
                buyer_phone="13812345678",
                form_data={"new_size": "42", "new_colour": "black"},
                buyer_token_hash=f"hash-{n}",
                custody_party=cast.streamer,
            )
            for n in range(start, start + count)
        ],
        batch_size=2_000,
    )
    Participant.objects.bulk_create(
        [
            Participant(ticket=t, party=cast.streamer, role=ParticipantRole.ORIGINATOR)
            for t in tickets
        ],
        batch_size=2_000,
    )


def _export_peak(cast, file_format: str) -> tuple[int, int]:
    job = BulkJob.objects.create(
        owner=cast.streamer,
        kind="export",
        created_by=cast.user("lucy-live"),
        params={"filters": {}},
        file_format=file_format,
    )
    tracemalloc.start()
    try:
        bulk_job_run(job.pk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    job.refresh_from_db()
    assert job.status == "succeeded"
    return peak, job.total


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_memory_does_not_grow_with_rows(cast, file_format):
    _tickets_bulk(cast, 2_000, 0)
    small_peak, small_total = _export_peak(cast, file_format)
    _tickets_bulk(cast, 18_000, 2_000)
    large_peak, large_total = _export_peak(cast, file_format)
    assert (small_total, large_total) == (2_000, 20_000)
    # Ten times the rows; a loaded export would need ~10x the memory. Streamed, the peak is the
    # database chunk plus one row, whatever the total.
    assert large_peak < small_peak * 2, (small_peak, large_peak)
