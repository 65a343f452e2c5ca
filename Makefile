# The two commands: `make run` (install everything, start the service) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint services clean sdk

run: install
	$(BIN)/python -m config.launcher

test: install services
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

install: $(STAMP) node_modules/.installed

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json $(wildcard patches/*.patch)
	npm ci --no-audit --no-fund --loglevel=error
	# scorm-again's conformance fixes, each patch named by the ADL CTS test it fixes (patches/README.md).
	npx --no-install patch-package --error-on-fail
	touch $@

# Browser tests drive Debian's Chromium; never a browser downloaded by a tool.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# Postgres and Redis must answer. Storage (weed mini, free ports) is started and stopped by the
# test run itself, so test runs and running instances never share it.
services: chromium
	@scripts/ensure-services

# The SDK's models, regenerated from the service's own OpenAPI (tests/sdk/test_models_current.py checks them).
sdk: $(STAMP)
	$(BIN)/python sdk/python/generate_models.py

lint:
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules .data
