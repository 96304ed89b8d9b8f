"""Rendered PDFs go to the filesystem by default and to S3-compatible storage when
REPORTS_S3_BUCKET is set."""

from __future__ import annotations

from tests.conftest import run_python
from tests.test_settings import production_env

CODE = (
    "import django, json; django.setup(); "
    "from django.core.files.storage import storages; "
    "s = storages['reports']; "
    "print(json.dumps([type(s).__module__ + '.' + type(s).__name__, "
    "getattr(s, 'bucket_name', None), getattr(s, 'endpoint_url', None), "
    "getattr(s, 'default_acl', None), getattr(s, 'querystring_auth', None)]))"
)


def _storage(**env: str | None) -> list[object]:
    import json

    result = run_python(["-c", CODE], production_env(**env))
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_reports_are_stored_on_the_filesystem_by_default() -> None:
    backend, *_ = _storage(REPORTS_S3_BUCKET=None)
    assert backend == "django.core.files.storage.filesystem.FileSystemStorage"


def test_reports_go_to_a_private_s3_compatible_bucket_when_configured() -> None:
    backend, bucket, endpoint, acl, signed = _storage(
        REPORTS_S3_BUCKET="upr-reports",
        REPORTS_S3_ENDPOINT_URL="https://minio.example.org",
        REPORTS_S3_ACCESS_KEY_ID="key",
        REPORTS_S3_SECRET_ACCESS_KEY="secret",
    )
    assert backend == "storages.backends.s3.S3Storage"
    assert bucket == "upr-reports"
    assert endpoint == "https://minio.example.org"
    assert acl == "private"
    assert signed is True
