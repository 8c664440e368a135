# Gongzhi: `make run` to try it, `make test` to check it. See README.md.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
WHEELHOUSE ?= var/wheelhouse

.PHONY: run install migrate demo test lint fmt messages bench bench-pg wheelhouse lock clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Development: the runtime pins and the test/lint tools (requirements-dev.lock reads
# requirements.lock). Production installs requirements.lock only: `make wheelhouse`.
$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Random keys under var/keys/ (mode 600) for those the environment does not set; never
# overwritten (`gongzhi initkeys`; `gongzhi run` refuses the public development keys).
migrate: install
	$(BIN)/gongzhi initkeys
	$(BIN)/gongzhi migrate --noinput -v0
	$(BIN)/gongzhi collectstatic --noinput -v0

demo: migrate
	$(BIN)/gongzhi demo

run: demo
	@echo ""
	@echo "共治 Gongzhi: http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/gongzhi run --bind $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: install lint
	$(BIN)/gongzhi makemigrations --check --dry-run -v0
	$(BIN)/gongzhi check --fail-level WARNING
	$(BIN)/pytest $(PYTEST_ARGS) --ignore=$(JOURNEYS) -m "not alone"
	$(BIN)/pytest -p no:xdist --ignore=$(JOURNEYS) -m alone
	$(BIN)/pytest -p no:xdist $(JOURNEYS)

# Tests timed against a budget on a throttled phone profile (``alone``) run one at a time
# after the rest, on a machine no other test loads. The role journeys share one committed
# demo and live server for their module; in a process of their own, so that no other
# test's flush of the database falls among them.
JOURNEYS = tests/test_journeys.py

fmt: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

messages: install
	cd src/gongzhi && ../../$(BIN)/gongzhi makemessages -l en --no-obsolete --ignore=static && ../../$(BIN)/gongzhi compilemessages -l en

bench: install
	$(BIN)/python bench/run_all.py

# The same benchmarks on a PostgreSQL server of their own (bench/pgserver.py: started and
# stopped by the run, data in var/bench-pg/, durability on).
bench-pg: install
	$(BIN)/python bench/run_all.py --pg

# Everything an offline install needs, in $(WHEELHOUSE)/: the project's wheel, a wheel for
# each runtime pin (for this machine's Python and platform), install.sh (docs/deploy.md).
wheelhouse: $(BIN)/python
	PYTHON=$(BIN)/python deploy/wheelhouse.sh $(WHEELHOUSE)

# Re-pins both lock files from pyproject.toml in throwaway environments, keeping today's
# pins where they still fit (UPGRADE=1: the newest allowed releases); see their headers.
LOCKDIR := var/lock
lock:
	rm -rf $(LOCKDIR) && mkdir -p $(LOCKDIR)
	grep -hv '^-r' requirements.lock requirements-dev.lock >$(LOCKDIR)/pins
	$(PY) -m venv $(LOCKDIR)/runtime
	$(LOCKDIR)/runtime/bin/pip install -q $(if $(UPGRADE),,-c $(LOCKDIR)/pins) -e .
	{ sed '/^[^#]/,$$d' requirements.lock; \
	  $(LOCKDIR)/runtime/bin/pip freeze --exclude-editable; } >$(LOCKDIR)/requirements.lock
	$(PY) -m venv $(LOCKDIR)/dev
	$(LOCKDIR)/dev/bin/pip install -q -c $(LOCKDIR)/requirements.lock \
	  $(if $(UPGRADE),,-c $(LOCKDIR)/pins) -e '.[dev]'
	{ sed '/^[^#-]/,$$d' requirements-dev.lock; $(LOCKDIR)/dev/bin/pip freeze --exclude-editable \
	  | grep -vixF -f $(LOCKDIR)/requirements.lock; } >$(LOCKDIR)/requirements-dev.lock
	mv $(LOCKDIR)/requirements.lock $(LOCKDIR)/requirements-dev.lock .
	rm -rf $(LOCKDIR)

# Removes the environment, the database, uploads and static files; keeps var/backups/.
clean:
	rm -rf $(VENV)
	test ! -d var || find var -mindepth 1 -maxdepth 1 ! -name backups -exec rm -rf {} +
