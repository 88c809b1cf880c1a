from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tenants.models import ApiKey, ApiKeyScope, Party


class Command(BaseCommand):
    help = "Issue an API key for a party and print it once; only a digest is stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument("party_slug")
        parser.add_argument("--name", default="integration")
        parser.add_argument(
            "--scope",
            action="append",
            choices=ApiKeyScope.values,
            help="Repeat for several scopes; default: all.",
        )

    def handle(self, *args, **options) -> None:
        party = Party.objects.filter(slug=options["party_slug"], is_active=True).first()
        if party is None:
            raise CommandError(f"No active party with slug {options['party_slug']!r}.")
        _key, raw = ApiKey.issue(party=party, name=options["name"], scopes=options["scope"])
        self.stdout.write(f"API key for {party.name} (shown once, store it now):")
        self.stdout.write(raw)
