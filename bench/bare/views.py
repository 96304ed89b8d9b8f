"""The yardstick: what plain Django does with the same middleware, session and database.

`bare_submit` validates a three-field form and inserts one row, then redirects with a
303 like the survey does. `bare_list` shows the 20 newest rows to a logged-in user.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from bench.bare.forms import BareForm
from bench.bare.models import BareEntry


@require_http_methods(["GET", "POST"])
def bare_submit(request: HttpRequest) -> HttpResponse:
    form = BareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        BareEntry.objects.create(**form.cleaned_data)
        return HttpResponseRedirect("/bench/bare/thanks/", status=303)
    status = 422 if request.method == "POST" else 200
    return render(request, "bench_bare/form.html", {"form": form}, status=status)


@require_GET
def bare_thanks(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Thanks.", content_type="text/plain")


@login_required
@require_GET
def bare_list(request: HttpRequest) -> HttpResponse:
    entries = BareEntry.objects.all()[:20]
    return render(request, "bench_bare/list.html", {"entries": entries})
