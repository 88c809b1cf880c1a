from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from integrations.delivery import deliver_due


class Command(BaseCommand):
    help = "Send due webhook deliveries once, or keep sending them with --loop."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running, polling for work")
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args, loop: bool, interval: float, **options) -> None:
        while True:
            sent = deliver_due()
            self.stdout.write(f"{sent} attempt(s)")
            if not loop:
                return
            time.sleep(interval)
