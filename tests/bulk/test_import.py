"""Imports: good rows become tickets through ticket_create, bad rows are reported by row number
and reason, and uploading the same file again creates nothing."""

from __future__ import annotations

import csv
import io

import pytest

from bulk.models import BulkJob, BulkStatus, ImportRecord
from bulk.runner import bulk_job_run
from bulk.services import bulk_import_create
from tickets.errors import TicketPermissionDenied, TicketValidationError
from tickets.models import Channel, Ticket, TicketEvent

from .conftest import key_client
from .files import address_row, csv_upload, exchange_row, size_row, xlsx_upload

pytestmark = pytest.mark.django_db


def _mixed_rows() -> list[list[str]]:
    rows = [size_row(1), size_row(2), address_row(3), exchange_row(4)]
    rows.append(size_row(5, size=""))  # row 6: size missing
    bad_category = size_row(6)
    bad_category[0] = "teleport"  # row 7: unknown category
    rows.append(bad_category)
    stranger = size_row(7)
    stranger[-1] = "stranger-brand"  # row 8: not a partner
    rows.append(stranger)
    no_order = size_row(8)
    no_order[1] = ""  # row 9: no order number
    rows.append(no_order)
    return rows


def _errors(client, job_payload) -> list[list[str]]:
    response = client.get(job_payload["errors_url"])
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_good_rows_become_tickets_and_bad_rows_are_reported(cast):
    client = key_client(cast.streamer)
    response = client.post(
        "/api/v1/bulk-jobs/",
        {"kind": "import", "file": csv_upload(_mixed_rows())},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    job = client.get(f"/api/v1/bulk-jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded"
    assert (job["total"], job["done"], job["succeeded"], job["failed"]) == (8, 8, 4, 4)

    tickets = Ticket.objects.filter(originator=cast.streamer)
    assert tickets.count() == 4
    assert set(tickets.values_list("channel", flat=True)) == {Channel.IMPORT}
    assert set(tickets.values_list("category__code", flat=True)) == {
        "size_colour_change",
        "address_change",
        "exchange",
    }
    address = tickets.get(category__code="address_change")
    assert address.form_data["new_address"]["detail"] == "文三路 3 号"
    assert TicketEvent.objects.filter(kind="ticket.created", ticket__in=tickets).count() == 4

    header, *errors = _errors(client, job)
    assert header == ["row", "reference", "outcome", "code", "message"]
    assert [e[0] for e in errors] == ["6", "7", "8", "9"]
    assert "new_size" in errors[0][4]
    assert "teleport" in errors[1][4]
    assert "stranger-brand" in errors[2][4]
    assert "order_number" in errors[3][4]


def test_reuploading_the_same_file_creates_nothing(cast):
    client = key_client(cast.streamer)
    rows = [size_row(n) for n in range(1, 6)]
    first = client.post(
        "/api/v1/bulk-jobs/", {"kind": "import", "file": csv_upload(rows)}, format="multipart"
    ).json()
    second = client.post(
        "/api/v1/bulk-jobs/", {"kind": "import", "file": csv_upload(rows)}, format="multipart"
    ).json()
    assert Ticket.objects.count() == 5
    assert (first["succeeded"], first["skipped"]) == (5, 0)
    assert (second["succeeded"], second["skipped"]) == (0, 5)
    assert ImportRecord.objects.count() == 5

    # A changed request for the same order is a new request.
    changed = client.post(
        "/api/v1/bulk-jobs/",
        {"kind": "import", "file": csv_upload([size_row(1, size="44")])},
        format="multipart",
    ).json()
    assert changed["succeeded"] == 1
    assert Ticket.objects.count() == 6


def test_duplicate_rows_within_one_file_become_one_ticket(cast):
    job = bulk_import_create(actor=cast.actor("lucy-live"), upload=csv_upload([size_row(1)] * 3))
    job.refresh_from_db()
    assert (job.succeeded, job.skipped) == (1, 2)
    assert Ticket.objects.count() == 1


def test_xlsx_import(cast):
    rows = [size_row(1), address_row(2), size_row(3, colour="")]
    job = bulk_import_create(actor=cast.actor("lucy-live"), upload=xlsx_upload(rows))
    job.refresh_from_db()
    assert (job.status, job.succeeded, job.failed) == (BulkStatus.SUCCEEDED, 2, 1)
    assert job.items.get(outcome="failed").row == 4


def test_default_category_for_files_without_the_column(cast):
    upload = csv_upload([size_row(1)])
    text = (
        upload.read()
        .decode("utf-8-sig")
        .replace("category,", "", 1)
        .replace("size_colour_change,", "", 1)
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plain.csv", text.encode())
    job = bulk_import_create(
        actor=cast.actor("lucy-live"), upload=upload, category_code="size_colour_change"
    )
    job.refresh_from_db()
    assert job.succeeded == 1


@pytest.mark.parametrize(
    ("name", "content", "field"),
    [
        ("requests.txt", b"a,b", "file"),
        ("empty.csv", b"order_number\n", "file"),
        ("broken.xlsx", b"not a zip", None),
    ],
)
def test_unreadable_files_are_refused_at_once(cast, name, content, field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = key_client(cast.streamer)
    response = client.post(
        "/api/v1/bulk-jobs/",
        {"kind": "import", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert BulkJob.objects.count() == 0


def test_readers_and_platforms_cannot_import(cast):
    with pytest.raises(TicketPermissionDenied):
        bulk_import_create(
            actor=cast.actor("lucy-live", "viewer"), upload=csv_upload([size_row(1)])
        )
    with pytest.raises(TicketPermissionDenied):
        bulk_import_create(actor=cast.actor("starmall"), upload=csv_upload([size_row(1)]))
    with pytest.raises(TicketValidationError):
        bulk_import_create(
            actor=cast.actor("lucy-live"), upload=csv_upload([size_row(1)]), category_code="nope"
        )
    read_only = key_client(cast.streamer, "tickets:read")
    response = read_only.post(
        "/api/v1/bulk-jobs/",
        {"kind": "import", "file": csv_upload([size_row(1)])},
        format="multipart",
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_stopped_job_resumes_without_duplicates(cast, settings, monkeypatch):
    monkeypatch.setattr("bulk.runner.IMPORT_CHUNK_SIZE", 3)
    settings.COLLAB_BULK_RUNNER = "celery_never"  # queue only; the test drives the runner
    job = bulk_import_create(
        actor=cast.actor("lucy-live"), upload=csv_upload([size_row(n) for n in range(1, 11)])
    )
    bulk_job_run(job.pk, max_chunks=2)  # a worker shut down after two chunks
    job.refresh_from_db()
    assert (job.status, job.offset, Ticket.objects.count()) == (BulkStatus.RUNNING, 6, 6)
    bulk_job_run(job.pk)
    bulk_job_run(job.pk)  # a duplicate delivery of the task does nothing
    job.refresh_from_db()
    assert (job.status, job.offset, job.succeeded, job.skipped) == (BulkStatus.SUCCEEDED, 10, 10, 0)
    assert Ticket.objects.count() == 10
    assert sorted(job.items.values_list("row", flat=True)) == list(range(2, 12))
