"""References are drawn from a PostgreSQL sequence instead of incrementing the day's counter row
in the creating transaction, whose row lock made every create wait for the one before it to
commit. The counter row of a day now holds the sequence's value before that day's first
reference (see ``tickets.services.creation._references_next``). SQLite keeps the plain counter:
it runs one writer at a time anyway."""

from django.db import migrations

SEQUENCE = "tickets_reference_seq"


def sequence_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE SEQUENCE {SEQUENCE}")
        cursor.execute("SELECT COALESCE(MAX(last), 0) FROM tickets_referencecounter")
        (top,) = cursor.fetchone()
        if top:
            # Each day's next number stays its last one plus one: nextval (top + 1) minus the
            # new base (top - last).
            cursor.execute(f"SELECT setval('{SEQUENCE}', %s)", [top])
            cursor.execute("UPDATE tickets_referencecounter SET last = %s - last", [top])


def sequence_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE tickets_referencecounter SET last = "  # noqa: S608
            f"(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
            f"FROM {SEQUENCE}) - last"
        )
        cursor.execute(f"DROP SEQUENCE {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_drop_redundant_indexes")]

    operations = [migrations.RunPython(sequence_create, sequence_drop)]
