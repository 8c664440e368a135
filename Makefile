# Gongzhi: `make run` to try it, `make test` to check it. See README.md.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: run install migrate demo test lint fmt messages bench bench-pg clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

migrate: install
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

test: install lint
	$(BIN)/gongzhi makemigrations --check --dry-run -v0
	$(BIN)/gongzhi check --fail-level WARNING
	$(BIN)/pytest $(PYTEST_ARGS)

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

# Removes the environment, the database, uploads and static files; keeps var/backups/.
clean:
	rm -rf $(VENV)
	test ! -d var || find var -mindepth 1 -maxdepth 1 ! -name backups -exec rm -rf {} +
