"""Accepting an invitation link: the only way into the portal."""

from __future__ import annotations

from allauth.account.utils import perform_login
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cities import selectors, services
from cities.forms import AcceptInvitationForm
from cities.models import InvitationStatus


def accept(request: HttpRequest, invitation_uuid: str, token: str) -> HttpResponse:
    invitation = selectors.invitation_get_by_link(invitation_uuid=invitation_uuid, token=token)
    if invitation.status != InvitationStatus.PENDING or invitation.is_expired():
        return render(
            request, "cities/invitations/unusable.html", {"invitation": invitation}, status=410
        )

    user = request.user if request.user.is_authenticated else None
    from accounts.models import User

    existing_account = User.objects.filter(email__iexact=invitation.email).exists()
    if user is not None and user.email.lower() != invitation.email.lower():
        return render(
            request, "cities/invitations/wrong_account.html", {"invitation": invitation}, status=403
        )

    form = (
        None
        if (user or existing_account)
        else AcceptInvitationForm(request.POST or None, email=invitation.email)
    )
    if request.method == "POST":
        if user is not None:
            try:
                services.invitation_accept(invitation=invitation, user=user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("cities:dashboard")
            messages.success(
                request, _("Welcome! You have joined %(team)s.") % {"team": _team(invitation)}
            )
            return redirect("cities:dashboard")
        if form is not None and form.is_valid():
            try:
                new_user = services.invitation_accept(
                    invitation=invitation,
                    password=form.cleaned_data["password1"],
                    full_name=form.cleaned_data["full_name"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Welcome! You have joined %(team)s.") % {"team": _team(invitation)}
                )
                return perform_login(request, new_user, redirect_url="/app/")
    return render(
        request,
        "cities/invitations/accept.html",
        {
            "invitation": invitation,
            "form": form,
            "existing_account": existing_account,
            "team": _team(invitation),
        },
    )


def _team(invitation: object) -> str:
    city = getattr(invitation, "city", None)
    return str(city) if city else _("the national coordinators")
