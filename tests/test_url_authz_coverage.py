"""Every URL route must have an authorization test (`@pytest.mark.authz("ns:name")`).

The markers are read from the test sources, so the check holds whatever subset of the
suite is selected. Library routes are exempt only where listed below, with a reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

TESTS_DIR = Path(__file__).resolve().parent

# Routes we don't own, with why they need no test of ours.
EXEMPT_NAMESPACES = {
    "admin": "Django admin: staff only; its login goes through allauth (tests/accounts/test_admin.py).",
}
EXEMPT_PREFIXES = {
    "account_": "allauth account views: public by design (log-in, reset) or login-protected by allauth.",
    "mfa_": "allauth MFA views: login-protected by allauth; enrolment enforcement is tested in tests/accounts.",
    "set_language": "Django's language switch: public by design.",
}


def _route_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            names |= _route_names(entry.url_patterns, full)
        elif entry.name:
            names.add(f"{namespace}:{entry.name}" if namespace else entry.name)
    return names


def _authz_markers() -> set[str]:
    covered: set[str] = set()
    for path in TESTS_DIR.rglob("test_*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "authz"
            ):
                covered |= {
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                }
    return covered


def _is_exempt(name: str) -> bool:
    namespace = name.split(":", 1)[0] if ":" in name else ""
    bare = name.rsplit(":", 1)[-1]
    return namespace in EXEMPT_NAMESPACES or (
        not namespace and any(bare.startswith(prefix) for prefix in EXEMPT_PREFIXES)
    )


def test_every_route_has_an_authorization_test():
    routes = {name for name in _route_names(get_resolver().url_patterns) if not _is_exempt(name)}
    missing = sorted(routes - _authz_markers())
    assert not missing, f"Routes without an @pytest.mark.authz test: {missing}"


def test_markers_name_real_routes():
    routes = _route_names(get_resolver().url_patterns)
    unknown = sorted(_authz_markers() - routes)
    assert not unknown, f"authz markers naming routes that don't exist: {unknown}"
