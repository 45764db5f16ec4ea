# Two entry points for a fresh machine: `make demo` and `make test`. Each bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint typecheck bench clean

$(STAMP): requirements-core.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# asl-validator and aws-local-stepfunctions (tests/validators) beside the CDK CLI, as package-lock.json pins them
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

demo: $(STAMP)
	$(BIN)/python -m kroless_cli.demo

test: $(STAMP) $(NODE_STAMP) lint typecheck
	$(BIN)/pytest -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check layers cli functions infra tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy

# every bench script with its defaults, one after another (long: BENCHMARKS.md gives each one's command)
bench: $(STAMP) $(NODE_STAMP)
	for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV)
