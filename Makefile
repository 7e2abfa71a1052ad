# The two set-up commands of the README: `make demo` and `make test`.
# Both install exactly uv.lock into .venv (docs/development.md: the lock and how to refresh it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The benchmark's peer (facelapse) in an environment of its own: the lock's `peer` group alone.
PEER := .venv-peer
PEER_STAMP := $(PEER)/.installed
# uv never downloads a Python of its own: .venv is made from $(PYTHON).
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test bench install lock test-latest dist clean

$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

# uv comes from the lock too: on the first install pip puts the hashed uv of
# tools/uv-bootstrap.txt in a scratch folder; uv then syncs .venv to uv.lock exactly (pip and
# uv included, anything not in the lock removed) and later installs use .venv's own uv.
$(STAMP): pyproject.toml uv.lock tools/uv-bootstrap.txt | $(BIN)/python
	test -x $(BIN)/uv || $(PYTHON) -m pip install --quiet --disable-pip-version-check \
		--no-deps --require-hashes --target $(VENV)/.bootstrap -r tools/uv-bootstrap.txt
	$$(test -x $(BIN)/uv && echo $(BIN)/uv || echo $(VENV)/.bootstrap/bin/uv) \
		sync --frozen --quiet --python $(BIN)/python
	rm -rf $(VENV)/.bootstrap
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/facetrack demo

test: $(STAMP)
	$(BIN)/python -m pytest -q --durations=10

$(PEER_STAMP): pyproject.toml uv.lock | $(STAMP)
	UV_PROJECT_ENVIRONMENT=$(PEER) $(BIN)/uv sync --frozen --quiet --only-group peer --python $(PYTHON)
	touch $(PEER_STAMP)

bench: $(STAMP) $(PEER_STAMP)
	FACETRACK_PEER_BIN=$(CURDIR)/$(PEER)/bin $(BIN)/python benchmarks/run.py

# What a user installs: the wheel and the sdist in dist/ (both carry the two models;
# tests/test_wheel.py builds them again and installs the wheel into a new environment).
dist: $(STAMP)
	rm -rf dist
	$(BIN)/uv build --quiet --out-dir dist
	ls -l dist

# Refresh the lock: the newest versions pyproject.toml allows (within its [tool.uv] pins),
# and the hashed uv/pip bootstrap exported from it.
lock: $(STAMP)
	$(BIN)/uv lock --upgrade
	$(BIN)/uv export --frozen --quiet --only-group bootstrap --no-emit-project \
		--format requirements-txt -o tools/uv-bootstrap.txt

# The suite on the newest releases pyproject.toml allows, in a throwaway copy: how the next
# drift of a dependency (a patch release of mediapipe, say) is caught before users hit it.
test-latest: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" tools/test-latest.sh

clean:
	rm -rf $(VENV) $(PEER) build dist *.egg-info .pytest_cache .hypothesis
