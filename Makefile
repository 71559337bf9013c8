# Two commands for a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install bench scale clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel
	# The CPU build of torch lies on this machine's disk; any other spec pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,browser]'
	touch $(STAMP)

install: $(STAMP)

# The main job on the embedded default: the DVC pipeline from the synthetic release onward.
run: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" DVC_NO_ANALYTICS=1 $(BIN)/dvc repro
	@echo "validation: reports/validation.json; leaderboard: leaderboard/LEADERBOARD.md; metrics: dvc metrics show"

# Headless Chromium for the browser tests (pytest -m browser): Debian's chromium and chromium-driver,
# installed with apt-get when missing and the machine allows it; otherwise those tests skip saying why.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium and chromium-driver for the browser tests (apt-get)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
	  || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; } \
	  || echo "apt-get could not install chromium: the browser tests will skip"; \
	else echo "chromium or chromium-driver missing and apt-get needs root: the browser tests will skip"; fi

test: $(STAMP) browser
	PATH="$(CURDIR)/$(BIN):$$PATH" DVC_NO_ANALYTICS=1 $(BIN)/python -m pytest -q -p no:cacheprovider -n auto

# Every benchmark script, each printing its ratios against a reference run in the same process. Some
# read the default pipeline's outputs (the rendered release, the raw recording), so `run` comes first
# (a no-op when the pipeline is up to date).
bench: run
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

# The full-size run (issue 17, docs/performance.md): a 10,924-clip synthetic release through validate ->
# features -> LBP-TOP+SVM and STSTNet -> board, all under scale/. Hours on a laptop; not part of `run`.
scale: $(STAMP)
	cd scale && PATH="$(CURDIR)/$(BIN):$$PATH" DVC_NO_ANALYTICS=1 $(CURDIR)/$(BIN)/dvc repro

clean:
	rm -rf $(VENV) .pytest_cache
