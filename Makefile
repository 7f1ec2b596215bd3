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

## Run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set), on two processes (pytest-xdist)
PYTEST_ARGS ?= -n 2
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Run every benchmark under bench/ (before and after, in one run) and print one summary table
BENCHES ?= $(sort $(wildcard bench/bench_*.py))
BENCH_SCRIPT_TIMEOUT ?= 900
bench: $(STAMP)
	@command -v wrk >/dev/null || echo "!!! wrk not found (apt-get install wrk): the Python client will run instead !!!"
	@rm -rf var/bench/results; failed=""; began=$$(date +%s); \
	export BENCH_DATABASE_URL="$$($(BIN)/python bench/harness.py)"; \
	for script in $(BENCHES); do echo "== $$script"; started=$$(date +%s); \
		timeout --signal=INT --kill-after=60 $(BENCH_SCRIPT_TIMEOUT) $(BIN)/python $$script || failed="$$failed $$script"; \
		echo "== $$script: $$(( $$(date +%s) - started )) s"; done; \
	$(BIN)/python bench/summary.py $(BENCHES); \
	echo "make bench: $$(( $$(date +%s) - began )) s in all"; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi

migrate: $(STAMP)
	FLASK_APP=wsgi.py $(BIN)/flask db upgrade

clean:
	rm -rf $(VENV) var
