# The two commands a new user needs are `make demo` and `make test`; both set up what they need.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup lock demo test lint bench down clean tf-plan

setup:
	@scripts/setup.sh

# Re-resolve the lock files (requirements/*.lock, app/requirements.lock) after a dependency change.
lock: setup
	@scripts/lock.sh

demo: setup
	@$(BIN)/python scripts/demo.py

test: setup
	@$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd app && ../$(BIN)/mypy

# terraform init, validate and plan of every environment, offline (fake AWS provider, see
# tests/terraform/offline/); the same runs as tests/terraform/plan in `make test`.
tf-plan: setup
	@$(BIN)/python -m tests.terraform.offline

bench: setup
	@$(BIN)/python -m bench

down: setup
	@$(BIN)/bluegreen down

clean:
	rm -rf $(VENV) .venv-checkov .mypy_cache .ruff_cache .pytest_cache
