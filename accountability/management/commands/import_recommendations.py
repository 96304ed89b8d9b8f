"""Import a file of UN recommendations into a review cycle, the same way the upload page
does: check it, print what it found row by row, then apply it (unless --dry-run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accountability import services
from accounts.models import User
from cities.models import ReviewCycle


class Command(BaseCommand):
    help = (
        "Import UN recommendations from a UPR Info export or a paragraph-numbered list "
        "into a review cycle. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--cycle", type=int, required=True, help="The cycle's number.")
        parser.add_argument("--state", default="United States", help="State under review.")
        parser.add_argument("--source-document", default="", help="For example A/HRC/46/15.")
        parser.add_argument(
            "--as", dest="actor", required=True, help="A national coordinator's email."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        cycle = ReviewCycle.objects.filter(
            number=options["cycle"], state_under_review=options["state"]
        ).first()
        if cycle is None:
            raise CommandError(
                f"No cycle {options['cycle']} for {options['state']}: create it in the "
                "national console first."
            )
        actor = User.objects.filter(
            email__iexact=options["actor"], is_national_coordinator=True, is_active=True
        ).first()
        if actor is None:
            raise CommandError(f"{options['actor']} is not an active national coordinator.")
        try:
            batch = services.recommendations_check(
                actor=actor,
                cycle=cycle,
                filename=path.name,
                content=path.read_bytes(),
                source_document=options["source_document"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        s = batch.summary
        for note in batch.notes:
            line = f"line {note['line']}" if note["line"] else "file"
            self.stdout.write(f"{line}: {note['kind']}: {note['message']}")
        self.stdout.write(
            f"{s['rows']} rows → {s['recommendations']} recommendations: {s['new']} new, "
            f"{s['changed']} changed, {s['unchanged']} unchanged; {s['merged_rows']} rows "
            f"merged, {s['normalised']} normalisations, {s['errors']} rows not parsed."
        )
        if s["unmapped_themes"]:
            self.stdout.write("Themes with no portal theme yet: " + "; ".join(s["unmapped_themes"]))
        if options["dry_run"]:
            services.recommendations_discard(actor=actor, batch=batch)
            self.stdout.write("Dry run: nothing imported.")
            return
        batch = services.recommendations_apply(actor=actor, batch=batch)
        s = batch.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported into {cycle}: {s['created']} new, {s['updated']} updated, "
                f"{s['kept']} unchanged."
            )
        )
