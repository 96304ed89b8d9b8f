# syntax=docker/dockerfile:1
# UPR Cities Portal production image. One image runs every role in docker-compose.yml:
# web (gunicorn, the default CMD), worker and beat (celery) and the one-shot migrate.

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# ------------------------------------------------------------------ dependencies
FROM ${PYTHON_IMAGE} AS deps

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.12 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

# Same uv as the Makefile's UV_VERSION (tests/test_deployment.py keeps them equal).
RUN pip install uv==0.13.9

WORKDIR /app
COPY pyproject.toml uv.lock ./
# Exactly the locked versions. No dev tools, and none of the embedded PostgreSQL/Redis
# wheels that `make run` / `make test` use: production has real servers.
RUN uv sync --frozen --no-dev --no-group embedded

# ------------------------------------------------------------------ runtime
FROM ${PYTHON_IMAGE}

# Pango, HarfBuzz and a font: the system libraries WeasyPrint needs to render PDFs.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# A writable home: gunicorn puts its control socket there and fontconfig its cache.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --create-home --home-dir /home/portal \
        --shell /usr/sbin/nologin portal

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=upr_portal.settings.production \
    MEDIA_ROOT=/data/media

WORKDIR /app
COPY --from=deps /app/.venv /app/.venv
COPY . .

# Compile the translations with Babel (no GNU gettext in the image), then collect static
# files for WhiteNoise. The settings refuse to load without these variables; the values
# here exist only for this build step and are not kept in the image.
RUN python -c "from upr_portal.lib.devstack import compile_translations; compile_translations()" \
    && SECRET_KEY=build-time-only-collectstatic-never-used-to-sign-anything-0123456789 \
       ALLOWED_HOSTS=build EMAIL_BACKEND=smtp EMAIL_HOST=build \
       DATABASE_URL=postgresql://build@localhost/build \
       REDIS_URL=redis://localhost:6379/0 \
       python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown portal:portal /data/media

# The code stays owned by root, so the app can't modify itself; it writes only to
# MEDIA_ROOT (a volume in docker-compose.yml), its home and /tmp.
USER portal
EXPOSE 8000

CMD ["gunicorn", "upr_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
