# Every target bootstraps .venv from pyproject.toml, so nothing depends on what the machine has installed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test contract bench tables contracts clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mocktmc needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

run: $(STAMP)
	$(BIN)/mocktmc serve

test: $(STAMP)
	$(BIN)/python -m pytest

# The contract kit at length against the in-process mock (reports in build/), then the mock's own
# property suites at length.
contract: $(STAMP)
	mkdir -p build
	$(BIN)/mocktmc contract --family orchestration,processing,monitoring,security,legacy --max-examples 100 \
		--steps 30 --report build/contract-junit.xml --html build/contract-report.html
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest \
		tests/test_properties.py tests/test_crud_machine.py tests/test_list_properties.py \
		tests/test_plan_run_properties.py tests/test_run_index.py tests/test_scheduler_machine.py

bench: $(STAMP)
	$(BIN)/python bench/validation_cost.py
	$(BIN)/python bench/poll_loop.py
	$(BIN)/python bench/history_scale.py
	$(BIN)/python bench/schedule_scale.py
	@if command -v wrk >/dev/null; then BIN=$(BIN) bash bench/wrk_poll.sh; \
	 else echo "wrk is not installed: the saturation measure is skipped (apt-get install wrk)"; fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis

# Regenerate the implemented-operations tables (README.md section and OPERATIONS.md).
tables: $(STAMP)
	$(BIN)/python tools/update_operations_table.py

# Re-derive the 2021-03 contracts from Talend's published documents (needs ../shared/reference).
contracts: $(STAMP)
	$(BIN)/python tools/derive_contracts.py
