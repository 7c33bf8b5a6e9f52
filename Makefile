# The two commands: `make run` and `make test`. Each sets up what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 6379
REPLICA_PORT ?= 6380
DATA_DIR ?= data

.PHONY: run test setup setup-test debs lint bench clean

$(BIN)/twistd: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dev]'
	@# tests/ sits at the checkout's root, outside the package: put the root on the
	@# virtualenv's path so `trial tests` imports it, as pytest does by itself.
	$(BIN)/python -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "replkv-checkout.pth").write_text("$(CURDIR)\n")'
	touch $@

setup: $(BIN)/twistd

# The interop tests and benchmarks talk to a real redis-server and use redis-cli/benchmark.
debs:
	@command -v redis-server >/dev/null && command -v redis-cli >/dev/null && command -v redis-benchmark >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null; }

setup-test: setup debs

# A master on PORT (DATA_DIR/master) and a replica of it on REPLICA_PORT (DATA_DIR/replica),
# their output prefixed by node; Ctrl-C stops both.
run: setup
	exec $(BIN)/python -m replkv.tools.run --port $(PORT) --replica-port $(REPLICA_PORT) --dir $(DATA_DIR)

test: setup-test
	$(BIN)/python -m pytest -q tests

lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

bench: setup-test
	$(BIN)/python bench/redis_benchmark.py

clean:
	rm -rf $(VENV) build *.egg-info _trial_temp* .hypothesis
