# Minzheng: `make run` (demo) and `make test` (whole suite) set up whatever is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/minzheng
DEMO_HOUSEHOLDS ?= 3000
BENCH_PEOPLE ?= 1000000
PYTEST_WORKERS ?= 2
PG_START := pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql 2>/dev/null | head -1) main start

API_FUZZ_EXAMPLES ?= 100

.PHONY: run test lint typecheck api-fuzz bench bench-apps bench-payments bench-backup setup python-deps frontend browser clamav postgres worker clean messages

setup: python-deps frontend

# --- installation (each step is skipped when its inputs did not change) -------------------
$(VENV)/.installed: requirements/lock.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

python-deps: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

minzheng/static/vendor/.built: node_modules/.installed scripts/copy-vendor.mjs
	npm run --silent vendor
	touch $@

frontend: minzheng/static/vendor/.built

# Debian's chromium for the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium and a CJK font (apt-get)…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null; }

# Debian's ClamAV daemon for the virus-scan tests (they start a private clamd with a local EICAR signature,
# scripts/clamd-test-daemon.sh; no signature download needed).
clamav:
	@command -v clamd >/dev/null 2>&1 || test -x /usr/sbin/clamd || { \
	  echo "installing clamav-daemon (apt-get)…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon) >/dev/null; }

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { $(PG_START) && sleep 2; }

# --- the two commands ------------------------------------------------------------------------
run: setup
	$(BIN)/minzheng migrate --no-input -v0
	$(BIN)/minzheng demo-setup --households $(DEMO_HOUSEHOLDS)
	$(BIN)/minzheng collectstatic --no-input -v0
	@echo "starting the background worker and the web server…"
	@trap 'kill 0' EXIT; \
	  $(BIN)/minzheng db_worker --no-reload --no-startup-delay & \
	  echo; echo "  Minzheng is running at http://$(HOST):$(PORT)/"; \
	  echo "  demo login: see the accounts printed above (password Minzheng@2026)"; echo; \
	  $(BIN)/minzheng runserver $(HOST):$(PORT) --noreload

test: setup browser clamav postgres
	DATABASE_URL=$(TEST_DATABASE_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

# Schemathesis over every API operation with more generated cases than the suite's bounded run (docs/api.md).
api-fuzz: setup postgres
	DATABASE_URL=$(TEST_DATABASE_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) \
	  $(BIN)/pytest -q minzheng/config/tests/test_api_fuzz.py

# ruff, mypy, migrations, and the house plan (issue 13): the import layers (import-linter, contracts in
# pyproject.toml), no programme/workflow/role code spelt as a literal, no product module over 600 lines.
lint: python-deps
	$(BIN)/ruff check minzheng bench conftest.py scripts
	$(BIN)/ruff format --check minzheng bench conftest.py scripts
	$(BIN)/mypy minzheng
	$(BIN)/minzheng makemigrations --check --dry-run -v0
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_catalogue.py
	$(BIN)/python scripts/check_messages.py
	$(BIN)/python scripts/check_module_size.py

typecheck: python-deps
	$(BIN)/mypy minzheng

bench: setup postgres
	$(BIN)/python bench/run.py --people $(BENCH_PEOPLE)

bench-apps: setup postgres
	$(BIN)/python bench/applications.py

bench-payments: setup postgres
	$(BIN)/python bench/payments.py

.PHONY: bench-monitoring bench-feed-floor bench-portal bench-eldercare bench-all
bench-monitoring: setup postgres
	$(BIN)/python bench/monitoring.py

# issue 21: PostgreSQL's own floor for the feed import, index by index (bench/speed-monitoring.md, ADR 0042)
bench-feed-floor: setup postgres
	$(BIN)/python bench/feed_floor.py

bench-portal: setup postgres
	$(BIN)/python bench/portal.py

.PHONY: bench-marriage
bench-marriage: setup postgres
	$(BIN)/python bench/marriage.py

# issue 23: automatic verification of 100,000 applications against 12 months of department feeds
.PHONY: bench-verification
bench-verification: setup postgres
	$(BIN)/python bench/verification.py

# issue 17: 300,000 older people, 1,000,000 service orders in a month: settlement and overview figures
bench-eldercare: setup postgres
	$(BIN)/python bench/eldercare.py

# backup (pg_dump -Fd -j2) and restore (pg_restore -j2) of a freshly seeded 1 M-person database: 10–20 minutes,
# most of it seeding (bench/README.md); not part of `make bench`
bench-backup: setup postgres
	$(BIN)/python bench/backup.py --people $(BENCH_PEOPLE)

# issue 21: seeding 1 M people and the household list (bench/speed-seed-list.md); the what-if on the database
# `make bench` seeded (bench/speed-whatif.md)
.PHONY: bench-seed bench-whatif bench-enrolments
bench-seed: setup postgres
	$(BIN)/python bench/seed_list.py --people $(BENCH_PEOPLE)

bench-whatif: setup postgres
	$(BIN)/python bench/whatif.py --database-url postgres://postgres@127.0.0.1:5432/minzheng_bench

# issue 5/21: the legacy enrolment import and the review schedule (bench/enrolments.py)
bench-enrolments: setup postgres
	$(BIN)/python bench/enrolments.py

# issue 22 §2: the built-in warning rules on Spark local[2] over synthetic Parquet snapshots of 1 M and 10 M
# people, DuckDB over the same files for parity (bench/speed-spark.md); no database
.PHONY: bench-spark
bench-spark: setup
	$(BIN)/python bench/spark.py

# issue 22: the warning rules over a synthetic national population in Parquet with DuckDB, 1 M → 10 M → 66 M
# people (bench/speed-national.md); snapshots kept in $(NATIONAL_DIR) and reused (≈ 3 GB at 66 M)
NATIONAL_DIR ?= /tmp/minzheng-national
.PHONY: bench-national
bench-national: setup
	$(BIN)/python bench/national.py --dir $(NATIONAL_DIR)

# every benchmark at its default size (hours at Inner Mongolia scale; see bench/README.md)
bench-all: bench bench-whatif bench-seed bench-enrolments bench-apps bench-payments bench-monitoring bench-feed-floor bench-portal bench-eldercare bench-verification bench-backup bench-spark bench-national

# Refresh the English catalog after changing UI text, then translate the new entries in the .po file.
# Traditional Mongolian (portal and printables, ADR 0040) is written from minzheng/locale/mn/portal.tsv.
messages: python-deps
	cd minzheng && ../$(BIN)/minzheng makemessages -l en -l mn --no-obsolete
	$(BIN)/python scripts/mongolian_catalogue.py
	cd minzheng && ../$(BIN)/minzheng compilemessages -l en -l mn

clean:
	rm -rf $(VENV) node_modules minzheng/static/vendor staticfiles
