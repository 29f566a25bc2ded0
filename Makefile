# The book's entry points. The two commands a fresh machine needs:
#   make book    set up .venv, execute every chapter (small profile) into book/, build the site
#   make test    set up .venv, run the unit tests and nbval over the executed chapters
# Offline, point the data loader at a local copy of the data: export TOPO_DATA_DIR=../shared/data

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PROFILE ?= small
CH      ?=

.PHONY: setup book chapters chapter site test unit nbval lint full benchmarks clean help

help:
	@echo "make book      execute every chapter (PROFILE=$(PROFILE)) into book/ and build _build/html"
	@echo "make test      unit tests, doctests of topo_helpers + nbval over book/*.ipynb"
	@echo "make lint      ruff and codespell (configured in pyproject.toml)"
	@echo "make chapter CH=01_natural_images [PROFILE=full]   execute one chapter"
	@echo "make site      build the site from the executed notebooks (strict, no execution)"
	@echo "make full      every chapter at the papers' scale (GPU advised), then the site"
	@echo "make benchmarks   run the benchmark scripts in quick mode"

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

book: chapters site

chapters: setup
	$(BIN)/python -m topo_helpers.book run --profile $(PROFILE)

chapter: setup
	@test -n "$(CH)" || (echo "usage: make chapter CH=<name> [PROFILE=small|full]; chapters: $$(ls notebooks | sed 's/\.md//')"; exit 2)
	$(BIN)/python -m topo_helpers.book run $(CH) --profile $(PROFILE)

site: setup
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going

test: setup
	$(BIN)/python -m pytest tests topo_helpers book --doctest-modules --nbval-lax --nbval-current-env -p no:cacheprovider

unit: setup
	$(BIN)/python -m pytest tests topo_helpers --doctest-modules

lint: setup
	$(BIN)/ruff check .
	$(BIN)/codespell topo_helpers tests benchmarks notebooks README.md .ci

nbval: setup
	$(BIN)/python -m pytest book --nbval-lax --nbval-current-env -p no:cacheprovider

full:
	$(MAKE) book PROFILE=full

benchmarks: setup
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f --quick || exit 1; done

clean:
	rm -rf _build .pytest_cache
