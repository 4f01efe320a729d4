# Học vụ số — the two commands people need are `make run` and `make test`.
# Only Python (3.12, found by pyenv through .python-version) is assumed; uv is
# installed into .tools/ and every dependency comes from uv.lock.

PORT ?= 8000
UV := .tools/bin/uv
PY := .venv/bin/python
MANAGE := $(PY) manage.py
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: run test setup system-deps test-deps install messages lint check-deploy migrate-check clean screenshots lighthouse

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.9,<1"

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

install: .venv/.installed

# Compiled with Babel, so gettext need not be installed on the machine.
messages: install
	.venv/bin/pybabel compile --domain=django --directory=locale --statistics
	.venv/bin/pybabel compile --domain=django --directory=learning/admin_locale --statistics
	.venv/bin/pybabel compile --domain=djangojs --directory=learning/admin_locale --statistics

# What the code needs from the system, installed here when we may (root + apt-get):
# Pango for WeasyPrint (certificates) and HarfBuzz-subset so fonts are subset fast.
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# What the tests need on top: Chromium (browser tests), poppler (reading PDFs back),
# zbar (decoding QR codes). `make test` installs them too, so a newcomer's run skips nothing.
TEST_PACKAGES := chromium poppler-utils zbar-tools

define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null)); \
	  else \
	    echo "Please install:$$missing  (sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi
endef

system-deps:
	$(call apt_ensure,$(RUN_PACKAGES))

test-deps: system-deps
	$(call apt_ensure,$(TEST_PACKAGES))

setup: system-deps install messages
	mkdir -p var
	$(MANAGE) migrate --no-input -v0
	$(MANAGE) load_units
	$(MANAGE) seed_demo
	$(MANAGE) ensure_admin
	$(MANAGE) collectstatic --no-input -v0

# The site on http://127.0.0.1:$(PORT), with a Celery worker (and beat) beside it
# on a file-system queue: background jobs work without Redis.
run: setup
	@echo "Học vụ số: http://127.0.0.1:$(PORT)/   admin: http://127.0.0.1:$(PORT)/quan-tri/"
	@trap 'kill 0' INT TERM EXIT; \
	  .venv/bin/celery -A learning worker --beat --loglevel=WARNING --concurrency=1 & \
	  $(MANAGE) runserver 127.0.0.1:$(PORT) --noreload

# The whole suite. DATABASE_URL / REDIS_URL select PostgreSQL and Redis (see .ci/run).
test: test-deps install messages
	mkdir -p var
	.venv/bin/pytest $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

migrate-check: install
	$(MANAGE) makemigrations --check --dry-run

check-deploy: install
	DJANGO_SETTINGS_MODULE=learning.settings.production \
	SECRET_KEY=check-deploy-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	ALLOWED_HOSTS=hocvuso.example.vn SITE_URL=https://hocvuso.example.vn \
	$(MANAGE) check --deploy --fail-level WARNING

# The README's screenshots (docs/*.png) from the demo data, with the system Chromium.
screenshots: install messages
	$(PY) docs/make_screenshots.py

# Lighthouse from npm into .tools/, pinned; it drives the system Chromium and never
# downloads a browser (PUPPETEER_SKIP_DOWNLOAD for its puppeteer-core, CHROME_PATH below).
LIGHTHOUSE_VERSION := 12.8.2
LIGHTHOUSE := .tools/lighthouse/node_modules/.bin/lighthouse

$(LIGHTHOUSE):
	mkdir -p .tools/lighthouse
	cd .tools/lighthouse && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund \
	  --no-save --prefix . lighthouse@$(LIGHTHOUSE_VERSION)

# Lighthouse (mobile) on learner pages and the 168-ward province dashboard, served by
# gunicorn with the production settings on PostgreSQL + Redis (see bench/README.md).
lighthouse: install messages $(LIGHTHOUSE)
	CHROME_PATH=/usr/bin/chromium $(PY) bench/lighthouse.py

clean:
	rm -rf .venv .tools var
