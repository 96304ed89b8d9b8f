# UPR Cities Portal — developer commands. See README.md.
#   make run     start the whole portal (embedded PostgreSQL + Redis unless DATABASE_URL / REDIS_URL are set)
#   make test    run the test suite against real PostgreSQL and Redis
#   make lint    ruff (format check + lint) and mypy
#   make e2e     browser journeys in Debian's Chromium, with an axe-core accessibility scan
#   make chaos   kill and restart the worker, Redis and PostgreSQL under load
#   make bench   the performance figures (README "Performance")
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
UV_VERSION := 0.13.9
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test e2e chaos bench lint fmt manage messages lock clean-data help

help:
	@echo "make run | make test | make e2e | make chaos | make bench | make lint | make manage ARGS='shell' | make messages | make lock"

# uv lives in its own small venv so `uv sync` (which makes .venv match uv.lock exactly) never removes it.
$(UV):
	@interp=$$(./scripts/find-python.sh) || exit 1; \
	echo "Using $$interp"; \
	$$interp -m venv $(TOOLS) && $(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	@interp=$$(./scripts/find-python.sh) || exit 1; \
	$(UV) sync --frozen --python "$$interp"
	@touch $@

run: $(VENV)/.synced
	@HOST=$(HOST) PORT=$(PORT) $(PY) -m upr_portal.lib.devstack run

test: $(VENV)/.synced
	@$(PY) -m upr_portal.lib.devstack test -- $(ARGS)

# axe-core comes from npm (pinned in tests/e2e/package-lock.json); Chromium from Debian.
E2E_NODE := tests/e2e/node_modules/.package-lock.json
$(E2E_NODE): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error

e2e: $(VENV)/.synced $(E2E_NODE)
	@$(PY) -m upr_portal.lib.devstack test -- -m e2e tests/e2e $(ARGS)

chaos: $(VENV)/.synced
	@$(PY) -m upr_portal.lib.devstack test -- -m chaos tests/chaos $(ARGS)

bench: $(VENV)/.synced
	@$(PY) -m bench.run $(ARGS)

manage: $(VENV)/.synced
	@$(PY) -m upr_portal.lib.devstack exec -- $(PY) manage.py $(ARGS)

# mypy's Django plugin imports the settings, which need these to be set (to anything valid).
lint: $(VENV)/.synced
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DATABASE_URL=$${DATABASE_URL:-postgresql://lint@localhost/lint} \
	REDIS_URL=$${REDIS_URL:-redis://localhost:6379/0} $(VENV)/bin/mypy .

fmt: $(VENV)/.synced
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Needs GNU gettext (xgettext) on the developer's machine; compiling does not.
messages: $(VENV)/.synced
	$(PY) -m upr_portal.lib.devstack exec -- $(PY) manage.py makemessages -l es --ignore=.venv --ignore=.tools --ignore=static/vendor --no-obsolete

lock: | $(UV)
	@interp=$$(./scripts/find-python.sh) || exit 1; $(UV) lock --python "$$interp"

clean-data:
	@read -p "Delete all local portal data in .data/ (database, Redis, uploads)? [y/N] " ans; \
	[ "$$ans" = "y" ] && rm -rf .data && echo "Deleted .data/" || echo "Kept .data/"
