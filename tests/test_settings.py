"""Settings: production is safe by default, refuses to start half-configured, and bad values fail loudly.

Production settings are loaded in a subprocess (the test process already runs the test
settings), with only the variables each test means to pass.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import run_python
from upr_portal.lib.env import Env, EnvError

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION = "upr_portal.settings.production"
SETUP = "import django; django.setup()"


def settings_env_names() -> set[str]:
    source = (BASE_DIR / "upr_portal" / "settings" / "base.py").read_text()
    return set(re.findall(r"\benv\.[a-z_]+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def production_env(**overrides: str | None) -> dict[str, str]:
    """A production environment: the real PostgreSQL/Redis of this test run, a random
    SECRET_KEY and a host name, and no other portal setting from the outer environment.
    `NAME=None` removes NAME."""
    env = {k: v for k, v in os.environ.items() if k not in settings_env_names()}
    env.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ["REDIS_URL"],
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        ALLOWED_HOSTS="portal.example.org",
        EMAIL_BACKEND="smtp",
        EMAIL_HOST="smtp.example.org",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def production_values(names: list[str], **overrides: str | None) -> dict[str, object]:
    code = (
        f"{SETUP}; import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    result = run_python(["-c", code], production_env(**overrides))
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- production


def test_production_passes_the_deploy_checks():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_starts_with_the_required_settings():
    # The control for the refusals below: the same environment, complete, starts.
    result = run_python(["-c", SETUP], production_env())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECRET_KEY", None),
        ("SECRET_KEY", "   "),
        ("SECRET_KEY", "too-short-to-be-a-real-secret"),
        ("ALLOWED_HOSTS", None),
        ("ALLOWED_HOSTS", " , "),
        ("DATABASE_URL", None),
        ("REDIS_URL", None),
    ],
)
def test_production_refuses_to_start_without_a_required_setting(name, value):
    result = run_python(["-c", SETUP], production_env(**{name: value}))
    assert result.returncode != 0
    assert name in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DB_CONN_MAX_AGE", "abc"),
        ("DB_CONN_MAX_AGE", "-1"),
        ("BEHIND_TLS_PROXY", "perhaps"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("SITE_URL", "portal.example.org"),
        ("DATABASE_URL", "mysql://user@db/portal"),
        ("REDIS_URL", "http://cache:6379/0"),
        ("LOG_LEVEL", "LOUD"),
        ("EMAIL_BACKEND", "carrier-pigeon"),
        ("INVITATION_TTL_DAYS", "0"),
    ],
)
def test_a_malformed_setting_fails_loudly_naming_the_variable(name, value):
    result = run_python(["-c", SETUP], production_env(**{name: value}))
    assert result.returncode != 0
    assert "EnvError" in result.stderr
    assert name in result.stderr
    assert repr(value) in result.stderr or value in result.stderr


def test_production_cookies_and_hsts_are_secure():
    values = production_values(
        [
            "DEBUG",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
        ]
    )
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert isinstance(values["SECURE_HSTS_SECONDS"], int)
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000


def test_production_ignores_debug_from_the_environment():
    values = production_values(["DEBUG"], DEBUG="true")
    assert values["DEBUG"] is False


def test_production_trusts_the_proxy_header_only_when_told_to():
    assert production_values(["SECURE_PROXY_SSL_HEADER"])["SECURE_PROXY_SSL_HEADER"] is None
    behind = production_values(["SECURE_PROXY_SSL_HEADER"], BEHIND_TLS_PROXY="true")
    assert behind["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


# --------------------------------------------------------------------------- database


def test_database_connections_are_persistent_and_health_checked():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_production_database_connections_are_persistent():
    values = production_values(["DATABASES"])
    database = values["DATABASES"]["default"]  # type: ignore[index]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


# --------------------------------------------------------------------------- security headers


@pytest.mark.security
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/"])
def test_public_responses_carry_a_strict_csp(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


@pytest.mark.security
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/"])
def test_public_responses_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --------------------------------------------------------------------------- Env readers


def test_env_treats_unset_and_blank_as_missing():
    env = Env({"BLANK": "  "})
    assert env.raw("UNSET") is None
    assert env.raw("BLANK") is None
    assert env.string("BLANK", "fallback") == "fallback"
    assert env.string("UNSET") is None


def test_env_strips_surrounding_whitespace():
    assert Env({"NAME": "  value \n"}).string("NAME") == "value"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
    ],
)
def test_env_flag_reads_true_and_false_words(raw, expected):
    assert Env({"FLAG": raw}).flag("FLAG", default=not expected) is expected


def test_env_flag_uses_the_default_when_unset():
    assert Env({}).flag("FLAG", default=True) is True
    assert Env({}).flag("FLAG", default=False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "y e s", "truthy"])
def test_env_flag_rejects_other_values(raw):
    with pytest.raises(EnvError, match=r"FLAG .*" + re.escape(repr(raw))):
        Env({"FLAG": raw}).flag("FLAG", default=False)


def test_env_number_reads_whole_numbers():
    env = Env({"N": "42", "ZERO": "0"})
    assert env.number("N", 1) == 42
    assert env.number("ZERO", 1, minimum=0) == 0
    assert env.number("UNSET", 7) == 7


@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", "ten"])
def test_env_number_rejects_non_integers(raw):
    with pytest.raises(EnvError, match="N must be a whole number"):
        Env({"N": raw}).number("N", 1)


def test_env_number_enforces_the_minimum():
    with pytest.raises(EnvError, match="N must be at least 1"):
        Env({"N": "0"}).number("N", 5, minimum=1)


def test_env_strings_splits_on_commas_and_drops_blanks():
    env = Env({"HOSTS": " a.example.org, ,b.example.org ,"})
    assert env.strings("HOSTS") == ["a.example.org", "b.example.org"]
    assert env.strings("UNSET") == []
    assert env.strings("UNSET", ["x"]) == ["x"]


def test_env_url_accepts_the_allowed_schemes():
    env = Env({"DB": "postgresql://u:p@db:5432/portal"})
    assert env.url("DB", schemes=("postgres", "postgresql")) == "postgresql://u:p@db:5432/portal"
    assert env.url("UNSET", "redis://x/0", schemes=("redis",)) == "redis://x/0"
    assert env.url("UNSET", schemes=("redis",)) is None


@pytest.mark.parametrize(
    "raw", ["mysql://db/portal", "db:5432/portal", "postgresql://", "postgresql:/db"]
)
def test_env_url_rejects_other_values(raw):
    with pytest.raises(EnvError, match="DB must be a URL starting with postgresql://"):
        Env({"DB": raw}).url("DB", schemes=("postgresql",))


def test_env_choice_accepts_only_the_listed_values():
    env = Env({"LEVEL": "INFO", "BAD": "info"})
    assert env.choice("LEVEL", "WARNING", ("INFO", "WARNING")) == "INFO"
    assert env.choice("UNSET", "WARNING", ("INFO", "WARNING")) == "WARNING"
    with pytest.raises(EnvError, match="BAD must be one of INFO, WARNING, not 'info'"):
        env.choice("BAD", "WARNING", ("INFO", "WARNING"))
