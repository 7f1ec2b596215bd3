# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: install run test bench migrate clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Start everything (Zalo/CRM sandbox unless .env has real Zalo settings, migrations, web, worker) on :8000
run: $(STAMP)
	$(BIN)/python -m sandbox.devstack

## Run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Run every benchmark under bench/ and print its figures
bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

migrate: $(STAMP)
	FLASK_APP=wsgi.py $(BIN)/flask db upgrade

clean:
	rm -rf $(VENV) var
