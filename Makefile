# The two commands: `make demo` and `make test`. Both set up everything on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SANDBOX_PORT ?= 8100
PYTEST_ARGS ?=

.PHONY: install system-packages demo test lint lock messages clean

# Debian packages: Redis (broker and cache) for the demo and the tests, Chromium for the
# browser tests.
SYSTEM_PACKAGES := redis-server chromium

# Python packages from the lock file, htmx from the npm registry.
$(VENV)/.installed: requirements-dev.lock package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

system-packages:
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
	  command -v "$$package" >/dev/null || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "Installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

demo: install
	$(MAKE) --no-print-directory system-packages SYSTEM_PACKAGES=redis-server
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(PY) manage.py collectstatic --no-input -v0
	DJANGO_DEBUG=1 $(PY) manage.py demo --port $(PORT) --sandbox-port $(SANDBOX_PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Tests run in random order (pytest-randomly; its seed is printed) at a pinned instant: TEST_NOW
# (e.g. `TEST_NOW=2027-03-14T06:30:00Z make test`) or the default in tests/clock.py.
test: lint system-packages
	$(PY) -m tests.services $(VENV)/bin/pytest $(PYTEST_ARGS)

# Re-resolve the lock files after changing pyproject.toml.
lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

# The patient pages' Spanish texts (locale/es): collect the marked strings into the .po (needs
# GNU gettext's xgettext, only here), then compile the .mo, which is committed so that no other
# machine needs gettext (tests/scheduling/i18n/test_catalogue.py fails when it is stale).
MESSAGES_IGNORE := .venv/* node_modules/* staticfiles/* tests/* bench/* integrations/* config/* \
	templates/staff/* scheduling/staff/* scheduling/sync/* scheduling/management/* scheduling/admin.py
messages: install
	DJANGO_DEBUG=1 $(PY) manage.py makemessages --locale=es --no-location --no-obsolete \
		$(addprefix --ignore=,$(MESSAGES_IGNORE))
	$(PY) -c "import polib; polib.pofile('locale/es/LC_MESSAGES/django.po').save_as_mofile('locale/es/LC_MESSAGES/django.mo')"

clean:
	rm -rf $(VENV) node_modules staticfiles demo.sqlite3 demo.sqlite3-wal demo.sqlite3-shm .demo
