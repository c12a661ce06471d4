# Two entry points for a fresh machine: `make run` (the product, local mode) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.lock requirements-tools.lock pyproject.toml | sha256sum | cut -c1-12)
export UV_LINK_MODE := copy
export UV_NO_PROGRESS := 1

WEB_STAMP := frontend/node_modules/.installed-$(shell sha256sum frontend/package-lock.json | cut -c1-12)
WEB_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts frontend/package-lock.json frontend/tsconfig.json
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test check fmt lint types pytest lock clean web web-deps webtest system-deps

install: $(STAMP)

$(STAMP):
	@echo "==> installing Python dependencies into $(VENV) (locked, hashed)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-tools.lock
	@$(VENV)/bin/uv pip sync -q --compile-bytecode --python $(PY) --require-hashes requirements-dev.lock
	@$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

# Debian packages the browser tests need (Chromium, driven by playwright-core without downloads)
system-deps:
	@command -v chromium >/dev/null || { echo "==> installing chromium (apt-get)"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

web-deps: $(WEB_STAMP)

$(WEB_STAMP): frontend/package-lock.json
	@echo "==> npm ci (frontend)"
	@cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@rm -f frontend/node_modules/.installed-* && touch $@

web: web-deps frontend/dist/index.html

frontend/dist/index.html: $(WEB_SOURCES)
	@echo "==> building the web app (frontend/dist)"
	@cd frontend && npm run -s build

webtest: web-deps
	@echo "==> vitest (frontend unit tests)" && cd frontend && npm test --silent

run: install web
	$(VENV)/bin/rag serve

check: install
	@echo "==> ruff format --check" && $(VENV)/bin/ruff format --check service handlers tests infra benchmarks eval
	@echo "==> ruff check" && $(VENV)/bin/ruff check service handlers tests infra benchmarks eval
	@echo "==> mypy --strict service handlers" && $(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format service handlers tests infra benchmarks eval
	$(VENV)/bin/ruff check --fix service handlers tests infra benchmarks eval

pytest: install
	$(VENV)/bin/pytest -q --durations=15 $(PYTEST_ARGS)

test: check webtest web system-deps pytest

lock:
	$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 pyproject.toml -o requirements.lock
	$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 pyproject.toml --all-extras -o requirements-dev.lock
	$(VENV)/bin/uv pip compile -q --generate-hashes requirements-tools.in -o requirements-tools.lock
	$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.12 --python-platform x86_64-manylinux_2_28 pyproject.toml --extra aws -o requirements-lambda.lock

# AWS deployment (needs AWS credentials and a Docker engine; see infra/README.md)
CDK_CONTEXT ?=
CDK_FLAGS ?=
.PHONY: deploy destroy

infra/node_modules/.bin/cdk: infra/package-lock.json
	npm --prefix infra ci --no-audit --no-fund

deploy: install web infra/node_modules/.bin/cdk
	cd infra && ./node_modules/.bin/cdk deploy --all --outputs-file cdk-outputs.json $(CDK_FLAGS) $(CDK_CONTEXT)
	$(PY) -m infra.publish_web --outputs infra/cdk-outputs.json --dist frontend/dist

destroy: install infra/node_modules/.bin/cdk
	cd infra && ./node_modules/.bin/cdk destroy --all --force $(CDK_CONTEXT)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
