# Two commands do everything on a fresh Debian machine:
#   make demo   set up, migrate, load demo data and serve the example site on http://127.0.0.1:5000
#   make test   set up, then run the whole test suite on SpatiaLite and PostGIS
#   make test-min  a quick subset of the tests on the lowest declared versions (constraints-min.txt)
#   make fuzz   fuzz the photo pipeline and the mail parser, FUZZ_SECONDS each (not part of make test)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A second virtualenv with the floors of setup.cfg (constraints-min.txt) for `make test-min`.
VENV_MIN := .venv-min
BIN_MIN := $(VENV_MIN)/bin
# What test-min runs (a few minutes, no browser): start-up in a host, the public form with
# photos and its body limits, triage, mail in and out, languages, migrations, the APIs.
TEST_MIN_FILES := tests/test_versions.py tests/test_extension.py tests/test_database.py \
	tests/test_models.py tests/test_migrations.py tests/test_reporting.py \
	tests/test_reporting_bad_input.py tests/test_request_limits.py tests/test_submission_tokens.py \
	tests/test_photo_pipeline.py tests/test_intake.py tests/test_security_headers.py \
	tests/test_triage_services.py tests/test_triage_http.py tests/test_notifications.py \
	tests/test_outbox.py tests/test_mail_parsing.py tests/test_ingest.py tests/test_i18n.py \
	tests/test_api_geojson.py tests/test_example_site_login.py
DEMO_REPORTS ?= 2000
FUZZ_SECONDS ?= 60
# The fuzzers' growing corpora and any crashing inputs; the committed seeds are only read.
FUZZ_WORK ?= build/fuzz
# The example site's instance folder (Flask's, beside the example_site package; never committed).
INSTANCE := instance
export FLASK_APP := example_site

.PHONY: demo test test-quick test-min setup system system-tests catalogs lint fuzz clean

setup: system $(VENV)/.installed catalogs

system:
	scripts/install-system-packages.sh

system-tests:
	scripts/install-system-packages.sh --for-tests

$(VENV)/.installed: setup.cfg pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	touch $@

# The suggestions' optional sentence embeddings, for the tests that measure them: torch first, pinned
# to the CPU build (an unpinned torch would bring a CUDA build of several GB), then the [suggest] extra.
$(VENV)/.installed-suggest: $(VENV)/.installed
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test,postgres,suggest]'
	touch $@

catalogs: $(VENV)/.installed
	$(BIN)/pybabel compile -d flask_citizencare/translations >/dev/null
	$(BIN)/pybabel compile -d example_site/translations >/dev/null

# A random SECRET_KEY, written once and kept: the site refuses to start without one outside
# debug mode, and a new key on every run would log everybody out and void every link sent.
$(INSTANCE)/secret_key:
	mkdir -p $(INSTANCE)
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@.tmp
	mv $@.tmp $@

# The demo's mail: `flask site demo-mail` (aiosmtpd on 127.0.0.1:$(DEMO_SMTP_PORT) into instance/demo-mail,
# and the outbox worker delivering into it) runs beside the site, which shows it at /demo/mailbox.
DEMO_SMTP_PORT ?= 8025
DEMO_ENV := SITE_DEMO_MAILBOX=1 CITIZENCARE_SITE_URL=http://127.0.0.1:5000

demo: setup $(INSTANCE)/secret_key
	$(BIN)/flask citizencare db upgrade
	$(BIN)/flask citizencare demo-data --reports $(DEMO_REPORTS)
	$(BIN)/flask citizencare stats refresh
	$(BIN)/flask citizencare suggest train
	@echo "Staff area: http://127.0.0.1:5000/segnalazioni/staff/ - demo mailbox: http://127.0.0.1:5000/demo/mailbox"
	$(DEMO_ENV) $(BIN)/flask site demo-mail --port $(DEMO_SMTP_PORT) & mail=$$!; \
	trap 'kill $$mail 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/flask run --host 127.0.0.1 --port 5000

# The PostGIS half needs a PostgreSQL server: CITIZENCARE_TEST_POSTGRES_URL, or a local one set up here;
# the browser tests need Debian's Chromium (system-tests installs both).
test: setup system-tests $(VENV)/.installed-suggest
	$(BIN)/lint-imports --no-cache
	CITIZENCARE_TEST_POSTGRES_URL="$${CITIZENCARE_TEST_POSTGRES_URL:-$$(scripts/postgres-test-url.sh)}" \
		$(BIN)/pytest

test-quick: setup
	$(BIN)/pytest -m "not slow"

# The lowest versions setup.cfg declares, in their own virtualenv: pip downgrades what is newer.
test-min: system-tests $(VENV_MIN)/.installed
	$(BIN_MIN)/pybabel compile -d flask_citizencare/translations >/dev/null
	$(BIN_MIN)/pybabel compile -d example_site/translations >/dev/null
	CITIZENCARE_TEST_POSTGRES_URL="$${CITIZENCARE_TEST_POSTGRES_URL:-$$(scripts/postgres-test-url.sh)}" \
		$(BIN_MIN)/pytest -m "not slow and not browser" $(TEST_MIN_FILES)

$(VENV_MIN)/.installed: setup.cfg pyproject.toml setup.py constraints-min.txt
	test -x $(BIN_MIN)/python || $(PYTHON) -m venv $(VENV_MIN)
	$(BIN_MIN)/python -m pip install -q -U pip
	$(BIN_MIN)/python -m pip install -q -e '.[test,postgres]' -c constraints-min.txt
	touch $@

# One harness per target; libFuzzer writes new inputs to the first directory and reads the others.
# A crash stops that harness and leaves $(FUZZ_WORK)/<target>-crash-<sha1>: turn it into a test.
fuzz: setup $(VENV)/.installed-fuzz
	@mkdir -p $(FUZZ_WORK)/photos $(FUZZ_WORK)/mail
	$(BIN)/python -m fuzz.photo_pipeline $(FUZZ_WORK)/photos fuzz/seeds/photos \
		-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_WORK)/photos-
	$(BIN)/python -m fuzz.mail_parser $(FUZZ_WORK)/mail tests/mail \
		-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_WORK)/mail-

$(VENV)/.installed-fuzz: setup.cfg
	$(BIN)/python -m pip install -q -e '.[fuzz]'
	touch $@

lint: setup
	$(BIN)/ruff check flask_citizencare tests example_site bench fuzz
	$(BIN)/mypy flask_citizencare

clean:
	rm -rf $(VENV) $(VENV_MIN) build dist *.egg-info
