# The two commands: `make run` (install everything, start the service) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_SDK := sdk/node

.PHONY: run test install lint services clean sdk

run: install
	$(BIN)/python -m config.launcher

test: install services
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

install: $(STAMP) node_modules/.installed $(NODE_SDK)/dist/.built

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

# The Node.js client (sdk/node): its own pinned packages, and its TypeScript compiled to dist/.
$(NODE_SDK)/node_modules/.installed: $(NODE_SDK)/package.json $(NODE_SDK)/package-lock.json
	cd $(NODE_SDK) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(NODE_SDK)/dist/.built: $(NODE_SDK)/node_modules/.installed $(NODE_SDK)/tsconfig.json $(wildcard $(NODE_SDK)/src/*.ts)
	cd $(NODE_SDK) && npm run --silent build
	touch $@

# Browser tests drive Debian's Chromium; never a browser downloaded by a tool.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# Postgres and Redis must answer. Storage (weed mini, free ports) is started and stopped by the
# test run itself, so test runs and running instances never share it.
services: chromium
	@scripts/ensure-services

# Both SDKs' types, regenerated from the service's own OpenAPI: the Python models and the Node.js
# schema (tests/sdk/test_models_current.py and test_node_types_current.py check them), then the
# Node.js client is compiled again.
sdk: $(STAMP) $(NODE_SDK)/node_modules/.installed
	$(BIN)/python sdk/python/generate_models.py
	$(BIN)/python $(NODE_SDK)/generate_types.py
	cd $(NODE_SDK) && npm run --silent build
	touch $(NODE_SDK)/dist/.built

lint:
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules .data $(NODE_SDK)/node_modules $(NODE_SDK)/dist
