# Two commands do all the set-up: `make run` and `make test`. Only python3 (with venv) and make
# are assumed; everything else is installed into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
INSTALLED := $(VENV)/.installed
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run serve test test-fast lint format clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

run: $(INSTALLED)
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py generate_content --if-empty
	$(DEV_ENV) $(PY) manage.py demo_admin
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Times (\"posted at\", day headers) are shown in TIME_ZONE=$${TIME_ZONE:-UTC};" \
		"another zone: make run TIME_ZONE=Europe/Berlin"
	@echo "The background worker (mail) runs beside it; Ctrl-C stops both."
	$(DEV_ENV) $(PY) tools/with_worker.py $(PY) manage.py runserver $(HOST):$(PORT)

# Production serving: gunicorn, DEBUG off, hashed and compressed static files, and the
# background worker beside it. Needs SECRET_KEY (and ALLOWED_HOSTS, DATABASE_URL, REDIS_URL as
# the deployment has them); see docs/deploy.md (also for running the worker as its own service).
# To try it over plain HTTP on this machine: make serve DJANGO_HTTPS=0
serve: $(INSTALLED)
	DJANGO_STATIC_MANIFEST=1 $(PY) manage.py migrate --noinput
	DJANGO_STATIC_MANIFEST=1 $(PY) manage.py collectstatic --noinput --verbosity 0
	DJANGO_STATIC_MANIFEST=1 $(PY) tools/with_worker.py $(VENV)/bin/gunicorn config.wsgi \
		--bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --timeout 30 --graceful-timeout 20

# The suite runs on every core (pytest-xdist); PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_ARGS ?= -n auto

test: $(INSTALLED)
	$(PY) tools/fetch_vnu.py
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but the browser tests and the slow ones (subprocesses, servers, timing ratios,
# whole-site sweeps): for the edit-test loop. `make test` runs them all.
test-fast: $(INSTALLED)
	$(PY) -m pytest -n auto -m "not slow and not browser"

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var
