# Two commands matter: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo test install dev services run clean-demo benchmark bench reliability

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

# Start the embedded SFTP server and the Odoo sandbox with demo data, drop several
# days of extracts, run the nightly job for them and print what posted and what is held.
demo: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m demo run

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The Dagster UI on http://127.0.0.1:3000 with the demo settings from .env.
dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# The demo's SFTP server and Odoo sandbox, kept running for `make dev`.
services: $(STAMP)
	$(BIN)/python -m demo services

# Run one job for one partition with the demo settings, e.g. make run DATE=2026-11-19, or
# make run JOB=accruals_month_end DATE=2026-11-01 (monthly jobs take the month's first day).
# The servers must be running (make services); the run shows in the UI of make dev.
JOB ?= labor_nightly
run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	@test -n "$(DATE)" || { echo "usage: make run [JOB=name] DATE=YYYY-MM-DD"; exit 2; }
	set -a && . ./.env && set +a && $(BIN)/dagster job execute -m pipelines.definitions -j $(JOB) --tags '{"dagster/partition": "$(DATE)"}'

clean-demo:
	rm -rf .demo .dagster_home .env

benchmark: $(STAMP)
	$(BIN)/python -m benchmarks.posting

# Measure labor at 10 k to 5 M rows, equipment at 100 k readings and posting at 10 k lines,
# and write docs/benchmarks.md. Needs PostgreSQL on 127.0.0.1:5432; about 5 minutes and 1.5 GiB on 2 cores.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.pipeline

# Run the fault and bad-input suites and write docs/reliability.md with what they tried.
reliability: $(STAMP)
	$(BIN)/python -m benchmarks.reliability
