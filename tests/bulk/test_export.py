"""Exports: only visible tickets, masked as the party sees them, in flat memory."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from openpyxl import load_workbook

from bulk.models import BulkJob
from bulk.runner import bulk_job_run
from bulk.services import bulk_export_create
from tests.conftest import drive, make_ticket
from tickets.models import Participant, ParticipantRole, Ticket, TicketCategory

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


def _export_peak(cast) -> int:
    job = BulkJob.objects.create(
        owner=cast.streamer,
        kind="export",
        created_by=cast.user("lucy-live"),
        params={"filters": {}},
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


def test_export_memory_does_not_grow_with_rows(cast):
    _tickets_bulk(cast, 2_000, 0)
    small_peak, small_total = _export_peak(cast)
    _tickets_bulk(cast, 18_000, 2_000)
    large_peak, large_total = _export_peak(cast)
    assert (small_total, large_total) == (2_000, 20_000)
    # Ten times the rows; a loaded export would need ~10x the memory. Streamed, the peak is the
    # database chunk plus one row, whatever the total.
    assert large_peak < small_peak * 2, (small_peak, large_peak)
