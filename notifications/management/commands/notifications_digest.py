from __future__ import annotations

from django.core.management.base import BaseCommand

from notifications.digest import digest_send


class Command(BaseCommand):
    help = "Send the supervisors' daily notification digest (once a day per person)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="send even to people who had one today"
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        sent = digest_send(force=force)
        self.stdout.write(f"digests sent: {sent}")
