"""The security suite: everything under tests/security carries the `security` marker."""

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.security)


@pytest.fixture(scope="module")
def sec_world(request, django_db_setup, django_db_blocker):
    """The route catalogue's world (tests/security/routes.py), built once per module.

    It is written inside a transaction that is rolled back when the module ends; each test
    runs in its own savepoint within it (pytest-django's `db`), so whatever a test's
    requests change is undone before the next test, and nothing outlives the module.
    Only for modules whose tests use `db`, never `transactional_db`. A module that sets
    `PRERENDER_HANDOUT = True` gets city A's public handout rendered ahead.
    """
    from django.db import transaction

    from tests.security.routes import build_world

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world(handout=getattr(request.module, "PRERENDER_HANDOUT", False))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
