# Accord's interface: the same targets for a person and for CI. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# The public datasets beside the checkout; the harm-domain model is trained on AIID's.
DATASETS ?= ../shared/datasets
MODEL := shared/normalize/suggest/harm_domains.npz

.DEFAULT_GOAL := help
.PHONY: help install model run test lint format bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install Accord with its development tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The browser tests drive Debian's Chromium (Playwright must not download its own).
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Chromium at $(CHROMIUM) for the browser tests"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

model: $(MODEL) ## Train the harm-domain suggestion model on the AIID's MIT labels (about 10 s)

$(MODEL): $(STAMP) $(DATASETS)/aiid/incidents.csv $(DATASETS)/aiid/classifications_MIT.csv shared/normalize/suggest/train.py shared/normalize/suggest/features.py
	$(PY) -m shared.normalize.suggest.train $(DATASETS)/aiid --out $@

# Without the model intake still runs; its reports then get no suggested harm domains.
run: install ## Start intake, registry and notifier (embedded profile), print URLs; Ctrl-C stops
	@$(MAKE) --no-print-directory model || echo "No harm-domain model (make model): no suggestions."
	$(PY) -m tools.run

test: install $(CHROMIUM) ## Run every test: unit, contract, end-to-end, browser
	$(PY) -m pytest

lint: install ## Check style and formatting with ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## Fix what ruff can fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install model ## Run the benchmarks and write bench/REPORT.md
	$(PY) -m bench

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var .pytest_cache .ruff_cache $(MODEL)
