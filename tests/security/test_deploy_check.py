"""`manage.py check --deploy` is clean under the production settings, at every level
(INFO included), with only the HSTS-preload opt-in silenced, both for a direct deployment
and behind the TLS proxy of docker-compose; and the same check does fail on settings that
are not fit for production, so its silence means something.

The basic production run is also in tests/test_settings.py and tests/test_deployment.py;
these add the strictest fail level, the silenced list and the control."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_python
from tests.test_settings import production_env

CHECK_DEPLOY = ["manage.py", "check", "--deploy", "--fail-level", "DEBUG"]
# The only check production silences, on purpose: HSTS preload is a hard-to-undo opt-in
# for the whole domain (SECURE_HSTS_PRELOAD turns it on).
SILENCED = ["security.W021"]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"BEHIND_TLS_PROXY": "true", "SITE_URL": "https://portal.example.org"},
    ],
    ids=["direct", "behind-proxy"],
)
def test_check_deploy_reports_nothing_at_any_level(overrides):
    result = run_python(CHECK_DEPLOY, production_env(**overrides))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output and "ERRORS" not in output and "INFOS" not in output


def test_production_silences_only_the_hsts_preload_opt_in():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.SILENCED_SYSTEM_CHECKS))"
    )
    result = run_python(["-c", code], production_env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == SILENCED


def test_check_deploy_fails_on_development_settings():
    # The control: the development settings (DEBUG, insecure cookies, no HSTS, no SSL
    # redirect) are exactly what `check --deploy` exists to catch.
    env = production_env(DJANGO_SETTINGS_MODULE="upr_portal.settings.local", SECRET_KEY=None)
    result = run_python(CHECK_DEPLOY, env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W018"):
        assert check in output, output
