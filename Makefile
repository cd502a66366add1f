# One command to run the assistant (`make run`), one to pass the tests (`make test`).
# Both create .venv and install everything on first use, packaged models included.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench clean browser-deps telegram-emulator

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

# Debian's Chromium for the widget's browser tests (and a CJK font for legible screenshots)
browser-deps:
	test -x /usr/bin/chromium || $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y chromium fonts-wqy-zenhei

# telegram-test-api, the Telegram Bot API emulator the Telegram tests run against
EMULATOR := tests/telegram/emulator
telegram-emulator: $(EMULATOR)/node_modules/.installed

$(EMULATOR)/node_modules/.installed: $(EMULATOR)/package.json $(EMULATOR)/package-lock.json
	cd $(EMULATOR) && npm ci --no-audit --no-fund
	touch $@

# every test, the slow ones on the real packaged models included
test: setup browser-deps telegram-emulator
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -m "slow or not slow"

bench: setup
	$(BIN)/python -m bench.retrieval_bench

clean:
	rm -rf $(VENV) .kefu-data
