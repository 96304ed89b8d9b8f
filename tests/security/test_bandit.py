"""`bandit -ll` (medium and high severity) over the app code finds nothing, and every
finding that was reviewed and accepted is waived at its line with `# nosec BXXX` next to
the reason. The app code is the project package and the installed apps in this
repository; tests, migrations, static files, the benchmark (bench/) and the tool folders
are not scanned."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
BANDIT = Path(sys.executable).with_name("bandit")
NOSEC_RE = re.compile(r"#\s*nosec\b(?P<rest>.*)$")
WAIVER_RE = re.compile(r"^ B\d{3}(, B\d{3})*$")


def app_packages() -> list[str]:
    """The portal's own code: the project package and every installed app that lives in
    this repository (not tests, tools, the benchmark or third-party packages)."""
    names = {"upr_portal"}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent == BASE_DIR.resolve():
            names.add(path.name)
    return sorted(names)


def bandit(targets: list[str], cwd: Path) -> dict:
    result = subprocess.run(  # noqa: S603 — our own venv's bandit, fixed arguments
        [str(BANDIT), "-ll", "-r", *targets, "-x", "*/migrations/*", "-f", "json", "-q"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    report["returncode"] = result.returncode
    return report


def describe(findings: list[dict]) -> str:
    return "\n".join(
        f"{f['filename']}:{f['line_number']} {f['test_id']} {f['issue_text']}" for f in findings
    )


def test_the_scan_covers_every_app_package():
    packages = app_packages()
    # A renamed or new app must still be scanned: these are the ones we know today.
    assert {
        "accounts",
        "accountability",
        "cities",
        "consultations",
        "reports",
        "upr_portal",
    } <= set(packages)


def test_bandit_finds_nothing_at_medium_or_high_severity():
    report = bandit([*app_packages(), "manage.py"], BASE_DIR)
    assert report["errors"] == []
    assert report["results"] == [], "bandit -ll findings:\n" + describe(report["results"])
    assert report["returncode"] == 0
    scanned = {Path(name).parts[0] for name in report["metrics"] if name != "_totals"}
    assert set(app_packages()) <= scanned  # the scan really read the code
    assert not any("/migrations/" in name for name in report["metrics"])


def test_bandit_would_report_a_real_finding(tmp_path):
    # The control: the same command on a file with known problems reports them.
    package = tmp_path / "badapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "views.py").write_text(
        "import subprocess\n\n"
        "from django.utils.safestring import mark_safe\n\n\n"
        "def run(cmd, html):\n"
        "    subprocess.call(cmd, shell=True)\n"
        "    return mark_safe(html)\n"
    )
    report = bandit(["badapp"], tmp_path)
    assert {f["test_id"] for f in report["results"]} >= {"B602", "B308"}
    assert report["returncode"] == 1


def test_every_waiver_names_its_checks_and_gives_a_reason():
    waivers = []
    for package in app_packages():
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                match = NOSEC_RE.search(line)
                if not match:
                    continue
                where = f"{path.relative_to(BASE_DIR)}:{number}"
                waivers.append(where)
                # `# nosec B308, B703`: a bare `# nosec` would hide every check on the line.
                assert WAIVER_RE.match(match.group("rest").rstrip()), (
                    f"{where}: write `# nosec BXXX[, BYYY]` naming the checks"
                )
                # The reason sits in the comment before it (usually the matching noqa).
                comment = line[: match.start()].partition("#")[2]
                assert len(re.findall(r"[a-z]{2,}", comment)) >= 3, f"{where}: give a reason"
    assert waivers  # the reviewed findings above are waived here, not silently skipped
