"""A city team's accountability pages: plans, actions, indicators, progress, links for
officials, its own recommendations, and evidence linked to UN recommendations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability import selectors, services
from accountability.forms import (
    ActionForm,
    ConfirmForm,
    HideResponseForm,
    IndicatorForm,
    LinkDecisionForm,
    LocalRecommendationForm,
    PlanForm,
    ProgressForm,
    RecommendationFilterForm,
    ResponseLinkForm,
    TakeUpForm,
)
from accountability.models import Action, ActionPlan, LocalRecommendation
from accountability.tokens import response_token
from cities import selectors as city_selectors
from cities.forms import add_service_errors
from cities.models import AuditAction
from cities.permissions import Capability, CityAccess, city_capability_required
from cities.services import audit_record
from consultations.selectors import testimony_get_for_city
from reports import selectors as report_selectors
from reports.models import DocumentKind
from upr_portal.http import upload_limit

PAGE_SIZE = 25


def _plan_redirect(plan: ActionPlan) -> HttpResponse:
    return redirect("accountability:plan", city_uuid=plan.city.uuid, plan_uuid=plan.uuid)


def _ctx(access: CityAccess, **extra: Any) -> dict[str, Any]:
    return {"access": access, "city": access.city, **extra}


def _confirm(request: HttpRequest, access: CityAccess, **context: Any) -> HttpResponse:
    """The confirmation page a destructive action shows on GET (title, body, button,
    cancel_url, optional quote); its form POSTs back to the same URL."""
    return render(
        request, "accountability/confirm.html", _ctx(access, form=ConfirmForm(), **context)
    )


def _form_page(request: HttpRequest, access: CityAccess, **context: Any) -> HttpResponse:
    """A form page (title, form, cancel_url, …): 422 when a POST didn't validate."""
    return render(
        request,
        "accountability/form.html",
        _ctx(access, **context),
        status=422 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- overview


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def index(request: HttpRequest, access: CityAccess) -> HttpResponse:
    """The city's plans with progress and overdue flags, and its own recommendations."""
    cycle = city_selectors.cycle_get_current()
    return render(
        request,
        "accountability/index.html",
        _ctx(
            access,
            cycle=cycle,
            card=selectors.scorecard(city=access.city),
            locals=selectors.local_recommendation_list(city=access.city, cycle=cycle)
            if cycle
            else [],
            local_form=LocalRecommendationForm(),
            today=timezone.localdate(),
        ),
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def recommendation_browse(request: HttpRequest, access: CityAccess) -> HttpResponse:
    """Search the UN recommendations to take one up."""
    form = RecommendationFilterForm(
        request.GET or None, options=selectors.recommendation_filter_options()
    )
    filters = form.filters()
    page = Paginator(selectors.recommendation_search(filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    taken = selectors.plan_recommendation_ids(city=access.city)
    return render(
        request,
        "accountability/browse.html",
        _ctx(access, form=form, page=page, taken=taken),
    )


# --------------------------------------------------------------------------- plans


@city_capability_required(Capability.EDIT_PLANS)
@require_POST
def take_up(request: HttpRequest, access: CityAccess) -> HttpResponse:
    """Start (or open) the plan for a UN recommendation or one of the city's own."""
    form = TakeUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one recommendation to take up."))
        return redirect("accountability:index", city_uuid=access.city.uuid)
    data = form.cleaned_data
    recommendation = local = None
    if data["recommendation"]:
        recommendation = selectors.recommendation_get_public(
            recommendation_uuid=data["recommendation"]
        )
    else:
        local = selectors.local_recommendation_get_for_city(
            city=access.city, local_uuid=data["local_recommendation"]
        )
    plan = services.plan_create(
        actor=request.user,  # type: ignore[arg-type]
        city=access.city,
        recommendation=recommendation,
        local_recommendation=local,
    )
    return _plan_redirect(plan)


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def plan_detail(request: HttpRequest, access: CityAccess, plan_uuid: str) -> HttpResponse:
    plan = selectors.plan_get_for_city(city=access.city, plan_uuid=plan_uuid)
    card = selectors.plan_card(plan=plan)
    links = [(link, response_token(link)) for link in selectors.response_link_list(plan=plan)]
    return render(
        request,
        "accountability/plan_detail.html",
        _ctx(
            access,
            plan=plan,
            card=card,
            links=links,
            responses=selectors.official_response_list(plan=plan),
            action_form=ActionForm(),
            link_form=ResponseLinkForm(plan=plan),
            plan_form=PlanForm(initial={"summary": plan.summary}),
            now=timezone.now(),
        ),
    )


@city_capability_required(Capability.EDIT_PLANS)
@require_POST
def plan_edit(request: HttpRequest, access: CityAccess, plan_uuid: str) -> HttpResponse:
    plan = selectors.plan_get_for_city(city=access.city, plan_uuid=plan_uuid)
    form = PlanForm(request.POST)
    if form.is_valid():
        services.plan_update(actor=request.user, plan=plan, summary=form.cleaned_data["summary"])  # type: ignore[arg-type]
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("The text is too long: keep it under 2,000 characters."))
    return _plan_redirect(plan)


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def plan_delete(request: HttpRequest, access: CityAccess, plan_uuid: str) -> HttpResponse:
    plan = selectors.plan_get_for_city(city=access.city, plan_uuid=plan_uuid)
    if request.method == "POST":
        try:
            services.plan_delete(actor=request.user, plan=plan)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _plan_redirect(plan)
        messages.success(request, _("The plan was deleted."))
        return redirect("accountability:index", city_uuid=access.city.uuid)
    return _confirm(
        request,
        access,
        title=_("Delete this plan?"),
        body=_(
            "Its actions, indicators and progress updates are deleted too, and it leaves "
            "the public scorecard. The activity log keeps a record."
        ),
        button=_("Delete the plan"),
        cancel_url=plan_url(plan),
    )


def plan_url(plan: ActionPlan) -> str:
    return reverse("accountability:plan", args=[plan.city.uuid, plan.uuid])


# --------------------------------------------------------------------------- actions


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, access: CityAccess, plan_uuid: str) -> HttpResponse:
    plan = selectors.plan_get_for_city(city=access.city, plan_uuid=plan_uuid)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_save(actor=request.user, plan=plan, fields=form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Action added."))
            return _plan_redirect(plan)
    return _form_page(
        request, access, plan=plan, form=form, title=_("Add an action"), cancel_url=plan_url(plan)
    )


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, access: CityAccess, action_uuid: str) -> HttpResponse:
    action = selectors.action_get_for_city(city=access.city, action_uuid=action_uuid)
    initial = {f: getattr(action, f) for f in services.ACTION_EDITABLE}
    form = ActionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_save(
                actor=request.user,  # type: ignore[arg-type]
                plan=action.plan,
                action=action,
                fields=form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return _plan_redirect(action.plan)
    return _form_page(
        request,
        access,
        plan=action.plan,
        form=form,
        title=_("Edit the action"),
        cancel_url=plan_url(action.plan),
    )


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def action_delete(request: HttpRequest, access: CityAccess, action_uuid: str) -> HttpResponse:
    action = selectors.action_get_for_city(city=access.city, action_uuid=action_uuid)
    if request.method == "POST":
        try:
            services.action_delete(actor=request.user, action=action)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The action was deleted."))
        return _plan_redirect(action.plan)
    return _confirm(
        request,
        access,
        title=_("Delete this action?"),
        body=_("Its indicators and progress updates are deleted too."),
        quote=action.description,
        button=_("Delete the action"),
        cancel_url=plan_url(action.plan),
    )


# --------------------------------------------------------------------------- indicators


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest, access: CityAccess, action_uuid: str) -> HttpResponse:
    action = selectors.action_get_for_city(city=access.city, action_uuid=action_uuid)
    return _indicator_form(request, access, action=action, indicator=None)


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, access: CityAccess, indicator_uuid: str) -> HttpResponse:
    indicator = selectors.indicator_get_for_city(city=access.city, indicator_uuid=indicator_uuid)
    return _indicator_form(request, access, action=indicator.action, indicator=indicator)


def _indicator_form(
    request: HttpRequest, access: CityAccess, *, action: Action, indicator: Any
) -> HttpResponse:
    initial = {f: getattr(indicator, f) for f in services.INDICATOR_EDITABLE} if indicator else None
    form = IndicatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_save(
                actor=request.user,  # type: ignore[arg-type]
                action=action,
                indicator=indicator,
                fields=form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Indicator saved."))
            return _plan_redirect(action.plan)
    return _form_page(
        request,
        access,
        plan=action.plan,
        action=action,
        form=form,
        title=_("Edit the indicator") if indicator else _("Add an indicator"),
        cancel_url=plan_url(action.plan),
    )


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def indicator_delete(request: HttpRequest, access: CityAccess, indicator_uuid: str) -> HttpResponse:
    indicator = selectors.indicator_get_for_city(city=access.city, indicator_uuid=indicator_uuid)
    plan = indicator.action.plan
    if request.method == "POST":
        services.indicator_delete(actor=request.user, indicator=indicator)  # type: ignore[arg-type]
        messages.success(request, _("The indicator was deleted."))
        return _plan_redirect(plan)
    return _confirm(
        request,
        access,
        title=_("Delete this indicator?"),
        body=_("Its readings are removed from the progress updates, which stay."),
        quote=indicator.name,
        button=_("Delete the indicator"),
        cancel_url=plan_url(plan),
    )


# --------------------------------------------------------------------------- progress


@city_capability_required(Capability.EDIT_PLANS)
@upload_limit(services.EVIDENCE_MAX_BYTES)
@require_http_methods(["GET", "POST"])
def progress_add(request: HttpRequest, access: CityAccess, action_uuid: str) -> HttpResponse:
    action = selectors.action_get_for_city(city=access.city, action_uuid=action_uuid)
    form = ProgressForm(request.POST or None, request.FILES or None, action=action)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.progress_add(
                actor=request.user,  # type: ignore[arg-type]
                action=action,
                reported_on=d["reported_on"],
                text=d["text"],
                indicator=d["indicator"],
                value=d["value"],
                evidence_url=d["evidence_url"],
                evidence_file=d["evidence_file"],
                status=d["status"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Progress update added."))
            return _plan_redirect(action.plan)
    return _form_page(
        request,
        access,
        plan=action.plan,
        action=action,
        form=form,
        title=_("Add a progress update"),
        cancel_url=plan_url(action.plan),
        multipart=True,
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def evidence_download(request: HttpRequest, access: CityAccess, update_uuid: str) -> FileResponse:
    update = selectors.progress_get_for_city(city=access.city, update_uuid=update_uuid)
    if not update.evidence_file:
        raise Http404
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditAction.PROGRESS_EVIDENCE_DOWNLOADED,
        city=access.city,
        target=update,
        target_label=update.action.plan.title,
    )
    response = FileResponse(
        update.evidence_file.open("rb"),
        as_attachment=True,
        filename=update.evidence_filename or "evidence",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- officials


@city_capability_required(Capability.EDIT_PLANS)
@require_POST
def response_link_create(request: HttpRequest, access: CityAccess, plan_uuid: str) -> HttpResponse:
    plan = selectors.plan_get_for_city(city=access.city, plan_uuid=plan_uuid)
    form = ResponseLinkForm(request.POST, plan=plan)
    if not form.is_valid():
        return _form_page(
            request,
            access,
            plan=plan,
            form=form,
            title=_("Create a response link"),
            cancel_url=plan_url(plan),
        )
    d = form.cleaned_data
    services.response_link_create(
        actor=request.user,  # type: ignore[arg-type]
        plan=plan,
        action=d["action"],
        official_name=d["official_name"],
        official_title=d["official_title"],
        message=d["message"],
        valid_days=d["valid_days"],
    )
    messages.success(
        request, _("Link created. Copy it from the list below and send it to the official.")
    )
    return _plan_redirect(plan)


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def response_link_revoke(request: HttpRequest, access: CityAccess, link_uuid: str) -> HttpResponse:
    link = selectors.response_link_get_for_city(city=access.city, link_uuid=link_uuid)
    if request.method == "POST":
        services.response_link_revoke(actor=request.user, link=link)  # type: ignore[arg-type]
        messages.success(request, _("The link no longer works."))
        return _plan_redirect(link.plan)
    return _confirm(
        request,
        access,
        title=_("Revoke this link?"),
        body=_("The official will no longer be able to respond through it."),
        quote=str(link),
        button=_("Revoke the link"),
        cancel_url=plan_url(link.plan),
    )


@city_capability_required(Capability.PUBLISH)
@require_http_methods(["GET", "POST"])
def official_response_hide(
    request: HttpRequest, access: CityAccess, response_uuid: str
) -> HttpResponse:
    response = selectors.official_response_get_for_city(
        city=access.city, response_uuid=response_uuid
    )
    form = HideResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.official_response_hide(
            actor=request.user,  # type: ignore[arg-type]
            response=response,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("The response is hidden from the public scorecard."))
        return _plan_redirect(response.plan)
    return _form_page(
        request,
        access,
        plan=response.plan,
        form=form,
        title=_("Hide this response from the scorecard?"),
        quote=response.text,
        cancel_url=plan_url(response.plan),
    )


# --------------------------------------------------------------------------- local recommendations


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def local_create(request: HttpRequest, access: CityAccess) -> HttpResponse:
    cycle = city_selectors.cycle_get_current()
    form = LocalRecommendationForm(request.POST or None)
    if cycle is None:
        messages.error(
            request, _("There is no current review cycle yet. Ask a national coordinator.")
        )
        return redirect("accountability:index", city_uuid=access.city.uuid)
    if request.method == "POST" and form.is_valid():
        local = services.local_recommendation_save(
            actor=request.user,  # type: ignore[arg-type]
            city=access.city,
            cycle=cycle,
            text=form.cleaned_data["text"],
            themes=form.cleaned_data["themes"],
        )
        return redirect("accountability:local", city_uuid=access.city.uuid, local_uuid=local.uuid)
    return _form_page(
        request,
        access,
        form=form,
        title=_("Add one of your recommendations"),
        cancel_url=_index_url(access),
    )


def _index_url(access: CityAccess) -> str:
    return reverse("accountability:index", args=[access.city.uuid])


@city_capability_required(Capability.EDIT_PLANS)
@require_POST
def local_from_report(request: HttpRequest, access: CityAccess) -> HttpResponse:
    """Copy the items of the current cycle's local report recommendations section."""
    cycle = city_selectors.cycle_get_current()
    report = (
        report_selectors.report_list_for_city(city=access.city, cycle=cycle)[DocumentKind.REPORT]
        if cycle
        else None
    )
    if report is None:
        messages.error(request, _("Start the local report first."))
        return redirect("accountability:index", city_uuid=access.city.uuid)
    try:
        added = services.local_recommendations_from_report(actor=request.user, report=report)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(n)s recommendations added from the report.") % {"n": len(added)}
            if added
            else _("Every recommendation in the report is already listed."),
        )
    return redirect("accountability:index", city_uuid=access.city.uuid)


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def local_detail(request: HttpRequest, access: CityAccess, local_uuid: str) -> HttpResponse:
    local = selectors.local_recommendation_get_for_city(city=access.city, local_uuid=local_uuid)
    return render(
        request,
        "accountability/local_detail.html",
        _ctx(
            access,
            local=local,
            links=selectors.links_for_local(local=local),
            suggestions=selectors.suggestions_for_local(local=local)
            if access.can(Capability.EDIT_EVIDENCE)
            else [],
            plan=local.action_plans.first(),
        ),
    )


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def local_edit(request: HttpRequest, access: CityAccess, local_uuid: str) -> HttpResponse:
    local = selectors.local_recommendation_get_for_city(city=access.city, local_uuid=local_uuid)
    form = LocalRecommendationForm(
        request.POST or None, initial={"text": local.text, "themes": list(local.themes.all())}
    )
    if request.method == "POST" and form.is_valid():
        services.local_recommendation_save(
            actor=request.user,  # type: ignore[arg-type]
            city=access.city,
            cycle=local.cycle,
            local=local,
            text=form.cleaned_data["text"],
            themes=form.cleaned_data["themes"],
        )
        messages.success(request, _("Saved."))
        return redirect("accountability:local", city_uuid=access.city.uuid, local_uuid=local.uuid)
    return _form_page(
        request,
        access,
        form=form,
        title=_("Edit the recommendation"),
        cancel_url=_index_url(access),
    )


@city_capability_required(Capability.EDIT_PLANS)
@require_http_methods(["GET", "POST"])
def local_delete(request: HttpRequest, access: CityAccess, local_uuid: str) -> HttpResponse:
    local = selectors.local_recommendation_get_for_city(city=access.city, local_uuid=local_uuid)
    if request.method == "POST":
        try:
            services.local_recommendation_delete(actor=request.user, local=local)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(
                "accountability:local", city_uuid=access.city.uuid, local_uuid=local.uuid
            )
        messages.success(request, _("The recommendation was deleted."))
        return redirect("accountability:index", city_uuid=access.city.uuid)
    return _confirm(
        request,
        access,
        title=_("Delete this recommendation?"),
        body=_("Its links to UN recommendations are deleted too."),
        quote=local.text,
        button=_("Delete the recommendation"),
        cancel_url=_index_url(access),
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
def local_link_decide(request: HttpRequest, access: CityAccess, local_uuid: str) -> HttpResponse:
    local = selectors.local_recommendation_get_for_city(city=access.city, local_uuid=local_uuid)
    _decide(request, local=local)
    return redirect("accountability:local", city_uuid=access.city.uuid, local_uuid=local.uuid)


# --------------------------------------------------------------------------- testimony links


def _decide(
    request: HttpRequest, *, local: LocalRecommendation | None = None, testimony: Any = None
) -> bool:
    form = LinkDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a recommendation and a decision."))
        return False
    recommendation = selectors.recommendation_get_public(
        recommendation_uuid=form.cleaned_data["recommendation"]
    )
    services.evidence_link_decide(
        actor=request.user,  # type: ignore[arg-type]
        recommendation=recommendation,
        status=form.cleaned_data["decision"],
        testimony=testimony,
        local_recommendation=local,
        suggested=form.cleaned_data["suggested"],
    )
    return True


def _testimony_panel(
    request: HttpRequest, access: CityAccess, testimony: Any, status: int = 200
) -> HttpResponse:
    template = "accountability/testimony_links.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#panel"
    return render(
        request,
        template,
        _ctx(
            access,
            testimony=testimony,
            links=selectors.links_for_testimony(testimony=testimony),
            suggestions=selectors.suggestions_for_testimony(testimony=testimony)
            if access.can(Capability.EDIT_EVIDENCE)
            else [],
        ),
        status=status,
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def testimony_links(request: HttpRequest, access: CityAccess, testimony_uuid: str) -> HttpResponse:
    """The UN recommendations linked to a testimony, and suggestions to confirm or
    dismiss. An htmx request (from the testimony page) gets the panel only."""
    testimony = testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    return _testimony_panel(request, access, testimony)


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
def testimony_link_decide(
    request: HttpRequest, access: CityAccess, testimony_uuid: str
) -> HttpResponse:
    testimony = testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    ok = _decide(request, testimony=testimony)
    if request.htmx:  # type: ignore[attr-defined]
        return _testimony_panel(request, access, testimony, status=200 if ok else 422)
    return redirect(
        "accountability:testimony_links", city_uuid=access.city.uuid, testimony_uuid=testimony.uuid
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
def link_remove(request: HttpRequest, access: CityAccess, link_uuid: str) -> HttpResponse:
    link = selectors.evidence_link_get_for_city(city=access.city, link_uuid=link_uuid)
    testimony, local = link.testimony, link.local_recommendation
    services.evidence_link_remove(actor=request.user, link=link)  # type: ignore[arg-type]
    if testimony is not None:
        if request.htmx:  # type: ignore[attr-defined]
            return _testimony_panel(request, access, testimony)
        return redirect(
            "accountability:testimony_links",
            city_uuid=access.city.uuid,
            testimony_uuid=testimony.uuid,
        )
    return redirect("accountability:local", city_uuid=access.city.uuid, local_uuid=local.uuid)  # type: ignore[union-attr]
