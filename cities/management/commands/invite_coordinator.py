"""Bootstrap a deployment: invite the first national coordinator and print the link."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cities import services
from cities.models import InvitationRole


class Command(BaseCommand):
    help = "Invite a national coordinator by email and print the single-use link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        try:
            invitation = services.invitation_create(
                invited_by=None, email=email, role=InvitationRole.NATIONAL_COORDINATOR, city=None
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Invitation for {invitation.email} (also emailed; valid until "
            f"{invitation.expires_at:%Y-%m-%d}):\n{services.invitation_link(invitation)}"
        )
