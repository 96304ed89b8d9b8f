"""City pages behind log-in: dashboard, team management and the city's activity log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cities import selectors, services
from cities.forms import InviteForm, RoleForm
from cities.permissions import Capability, CityAccess, city_capability_required
from consultations.selectors import testimony_counts_for_city


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    memberships = selectors.membership_list_for_user(user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "cities/app/dashboard.html",
        {"memberships": memberships, "cycle": selectors.cycle_get_current()},
    )


@city_capability_required(Capability.VIEW_CITY)
def city_home(request: HttpRequest, access: CityAccess) -> HttpResponse:
    cycle = selectors.cycle_get_current()
    return render(
        request,
        "cities/app/city.html",
        {
            "access": access,
            "city": access.city,
            "cycle": cycle,
            "next_deadline": cycle.next_deadline() if cycle else None,
            "team_size": selectors.membership_list_for_city(city=access.city).count(),
            "evidence": testimony_counts_for_city(city=access.city)
            if access.can(Capability.VIEW_EVIDENCE)
            else None,
        },
    )


def _team_context(access: CityAccess) -> dict[str, object]:
    return {
        "access": access,
        "city": access.city,
        "memberships": selectors.membership_list_for_city(city=access.city),
        "invitations": selectors.invitation_list_pending_for_city(city=access.city)
        if access.can(Capability.MANAGE_TEAM)
        else [],
        "can_manage": access.can(Capability.MANAGE_TEAM),
        "role_form": RoleForm(),
    }


@city_capability_required(Capability.VIEW_TEAM)
def team(request: HttpRequest, access: CityAccess) -> HttpResponse:
    return render(request, "cities/app/team.html", _team_context(access))


@city_capability_required(Capability.MANAGE_TEAM)
def invite(request: HttpRequest, access: CityAccess) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                invited_by=request.user,  # type: ignore[arg-type]
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                city=access.city,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("cities:team", city_uuid=access.city.uuid)
    return render(
        request, "cities/app/invite.html", {"access": access, "city": access.city, "form": form}
    )


@city_capability_required(Capability.MANAGE_TEAM)
@require_POST
def membership_role(request: HttpRequest, access: CityAccess, membership_uuid: str) -> HttpResponse:
    membership = selectors.membership_get_for_city(
        city=access.city, membership_uuid=membership_uuid
    )
    form = RoleForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            membership = services.membership_change_role(
                actor=request.user,  # type: ignore[arg-type]
                membership=membership,
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            error = _errors(exc)
    else:
        error = _("Choose a valid role.")
    if request.htmx:  # type: ignore[attr-defined]
        context = {**_team_context(access), "membership": membership, "row_error": error}
        return render(
            request,
            "cities/app/team.html#member-row",
            context,
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {"name": membership.user.display_name, "role": membership.get_role_display()},
        )
    return redirect("cities:team", city_uuid=access.city.uuid)


@city_capability_required(Capability.MANAGE_TEAM)
def membership_remove(
    request: HttpRequest, access: CityAccess, membership_uuid: str
) -> HttpResponse:
    membership = selectors.membership_get_for_city(
        city=access.city, membership_uuid=membership_uuid
    )
    if request.method == "POST":
        try:
            services.membership_remove(actor=request.user, membership=membership)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(
                request,
                _("%(name)s was removed from the team.") % {"name": membership.user.display_name},
            )
        return redirect("cities:team", city_uuid=access.city.uuid)
    return render(
        request,
        "cities/app/confirm.html",
        {
            "access": access,
            "city": access.city,
            "title": _("Remove %(name)s from the team?") % {"name": membership.user.display_name},
            "body": _(
                "They will lose access to %(city)s at once. Their past work stays, attributed to them."
            )
            % {"city": access.city},
            "confirm_label": _("Remove from team"),
            "danger": True,
        },
    )


@city_capability_required(Capability.MANAGE_TEAM)
def invitation_resend(
    request: HttpRequest, access: CityAccess, invitation_uuid: str
) -> HttpResponse:
    invitation = selectors.invitation_get_for_city(
        city=access.city, invitation_uuid=invitation_uuid
    )
    if request.method == "POST":
        try:
            services.invitation_resend(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(
                request,
                _("A new link was sent to %(email)s. The old link no longer works.")
                % {"email": invitation.email},
            )
        return redirect("cities:team", city_uuid=access.city.uuid)
    return render(
        request,
        "cities/app/confirm.html",
        {
            "access": access,
            "city": access.city,
            "title": _("Send a new invitation link to %(email)s?") % {"email": invitation.email},
            "body": _("The link sent before will stop working."),
            "confirm_label": _("Send new link"),
        },
    )


@city_capability_required(Capability.MANAGE_TEAM)
def invitation_revoke(
    request: HttpRequest, access: CityAccess, invitation_uuid: str
) -> HttpResponse:
    invitation = selectors.invitation_get_for_city(
        city=access.city, invitation_uuid=invitation_uuid
    )
    if request.method == "POST":
        try:
            services.invitation_revoke(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(
                request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
            )
        return redirect("cities:team", city_uuid=access.city.uuid)
    return render(
        request,
        "cities/app/confirm.html",
        {
            "access": access,
            "city": access.city,
            "title": _("Revoke the invitation to %(email)s?") % {"email": invitation.email},
            "body": _(
                "The link in their email will stop working. You can invite them again later."
            ),
            "confirm_label": _("Revoke invitation"),
            "danger": True,
        },
    )


@city_capability_required(Capability.VIEW_AUDIT)
def activity(request: HttpRequest, access: CityAccess) -> HttpResponse:
    page = Paginator(selectors.audit_list_for_city(city=access.city), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "cities/app/activity.html", {"access": access, "city": access.city, "page": page}
    )
