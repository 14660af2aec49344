# Two commands for everyone: `make run` and `make test`. Everything else is internal.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The DfE's validators pin pandas 1.5: they get a virtual environment of their own.
DFE_VENV := build/dfe-venv
DFE_STAMP := $(DFE_VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False

# The test region lives apart from the demo region so `make test` never touches `make run`'s data.
TEST_HOME := build/test-region

.PHONY: run test test-spark setup spark browser postgres lint pytest dbt-test bench lock lock-dfe \
	lock-spark dfe clean

run: setup
	@if [ -z "$$(find drops -type f 2>/dev/null | head -n 1)" ]; then \
		$(BIN)/csc generate --out drops; \
	fi
	$(BIN)/csc run

test: setup browser postgres lint pytest dbt-test

# The tests build on a throwaway PostgreSQL server (Debian's package, run from its own
# folder; csc.pgserver): the same project on the hub's shared engine.
PG_BIN := /usr/lib/postgresql/15/bin
postgres:
	@if [ -x $(PG_BIN)/initdb ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15; \
	else \
		echo "The tests need PostgreSQL 15's programs in $(PG_BIN). Install them, e.g. on Debian:" >&2; \
		echo "  sudo apt-get install --no-install-recommends postgresql-15" >&2; \
		exit 1; \
	fi

# The report's tests render its pages in headless Chromium (Debian's package).
browser:
	@if command -v chromium >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	else \
		echo "The report tests need Chromium on PATH. Install it, e.g. on Debian or Ubuntu:" >&2; \
		echo "  sudo apt-get install --no-install-recommends chromium" >&2; \
		exit 1; \
	fi

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --requirement requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $(STAMP)

# Spark (docs/engines.md): an environment of its own, the main lock with dbt-spark and
# pyspark (whose wheel carries Spark) on top, so the main one stays lean (Great
# Expectations imports pyspark wherever it is installed); and a Java runtime (Debian's
# package, installed when missing and root).
SPARK_VENV := build/spark-venv
SPARK_STAMP := $(SPARK_VENV)/.installed
spark: $(SPARK_STAMP)

$(SPARK_STAMP): requirements.lock requirements-spark.lock pyproject.toml
	@if command -v java >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless; \
	else \
		echo "Spark needs a Java runtime on PATH. Install one, e.g. on Debian or Ubuntu:" >&2; \
		echo "  sudo apt-get install --no-install-recommends openjdk-17-jre-headless" >&2; \
		exit 1; \
	fi
	rm -rf $(SPARK_VENV)
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --requirement requirements.lock
	$(SPARK_VENV)/bin/python -m pip install --quiet --no-deps --requirement requirements-spark.lock
	$(SPARK_VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $(SPARK_STAMP)

# The DfE's validators (scripts/dfe_oracle.py), made afresh whenever the lock changes.
dfe: $(DFE_STAMP)

$(DFE_STAMP): requirements-dfe.lock
	rm -rf $(DFE_VENV)
	$(PYTHON) -m venv $(DFE_VENV)
	$(DFE_VENV)/bin/python -m pip install --quiet --requirement requirements-dfe.lock
	touch $(DFE_STAMP)

lint: setup
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	# The DfE rule modules are SQL text built from constants written here: every check but
	# B608 (SQL built from strings) applies to them.
	$(BIN)/bandit -q -c pyproject.toml -r src -x 'src/csc/dfe/ssda903_*,src/csc/dfe/cin_*'
	$(BIN)/bandit -q -c pyproject.toml -s B608 -r src/csc/dfe
	$(BIN)/sqlfluff lint models macros tests/dbt

# One worker per core; a test file runs whole on one worker, so its module fixtures (a
# generated region, a server) are made once. The oracle's test runs the DfE's validators.
PYTEST_WORKERS ?= auto
pytest: setup browser postgres dfe
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

# dbt build (every model, seed and data test) on a small synthetic region of its own, then
# the checks of what it published (tests/integration).
dbt-test: setup browser postgres dfe
	rm -rf $(TEST_HOME)
	$(BIN)/csc --home $(TEST_HOME) generate --out $(TEST_HOME)/drops --scale 0.2 --errors
	$(BIN)/csc --home $(TEST_HOME) run
	$(BIN)/pytest tests/integration --home $(TEST_HOME)

# The same region built on Spark (a local session) and compared with its DuckDB build, its
# raw files, its publication and pack (tests/spark). A smaller region than dbt-test's: each
# of Spark's queries costs a fixed time, whatever the volume.
SPARK_HOME := build/spark-region
test-spark: spark
	rm -rf $(SPARK_HOME)
	$(SPARK_VENV)/bin/csc --home $(SPARK_HOME) generate --out $(SPARK_HOME)/drops --scale 0.02 --errors
	$(SPARK_VENV)/bin/csc --home $(SPARK_HOME) run
	$(SPARK_VENV)/bin/pytest tests/spark --home $(SPARK_HOME)

bench: setup
	$(BIN)/python scripts/benchmark.py

lock: lock-dfe
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet --requirement requirements.in
	( echo '# Pinned by `make lock` from requirements.in; `make setup` installs exactly these.'; \
	  build/lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v '^pip==' ) > requirements.lock
	rm -rf build/lock-venv

lock-dfe:
	rm -rf build/lock-dfe-venv
	$(PYTHON) -m venv build/lock-dfe-venv
	build/lock-dfe-venv/bin/python -m pip install --quiet --requirement requirements-dfe.in
	( echo '# Pinned by `make lock-dfe` from requirements-dfe.in; `make dfe` installs exactly these.'; \
	  build/lock-dfe-venv/bin/python -m pip freeze --all | grep -v '^pip==' ) > requirements-dfe.lock
	rm -rf build/lock-dfe-venv

lock-spark:
	rm -rf build/lock-spark-venv
	$(PYTHON) -m venv build/lock-spark-venv
	build/lock-spark-venv/bin/python -m pip install --quiet --requirement requirements.lock
	build/lock-spark-venv/bin/python -m pip freeze --all | sort > build/lock-spark-before.txt
	build/lock-spark-venv/bin/python -m pip install --quiet --constraint requirements.lock \
		--requirement requirements-spark.in
	( echo '# Pinned by `make lock-spark` from requirements-spark.in, on top of requirements.lock;'; \
	  echo '# `make spark` installs exactly these.'; \
	  build/lock-spark-venv/bin/python -m pip freeze --all | sort \
	    | comm -13 build/lock-spark-before.txt - | grep -v '^pip==' ) > requirements-spark.lock
	rm -rf build/lock-spark-venv build/lock-spark-before.txt

clean:
	rm -rf build published
