# fichepress — `make sheets` sets everything up and builds the series; `make test` proves it.
# Every target is phony: `sheets/` is a folder, and make must never think it "up to date".

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
GOLDEN_DIR ?=
STAMP  := $(VENV)/.fichepress-installed

.PHONY: all help venv npm sheets check test test-fast lint format golden dist clean

all: sheets

help:
	@echo "make sheets   create $(VENV), install fichepress, build every sheet and the collection"
	@echo "make test     lint (ruff, mypy) and run the test suite"
	@echo "make test-fast  only the tests that build no PDF and start no process (not e2e, not process)"
	@echo "make check    validate the sheets without rendering"
	@echo "make format   format the code with ruff"
	@echo "make golden   regenerate the golden HTML of the reference sheet (after a template change;\n              GOLDEN_DIR=FOLDER writes it there instead of tests/golden/)"
	@echo "make dist     build the wheel of fichepress into dist/"
	@echo "make clean    remove build/ (keeps $(VENV))"

# (Re)install when the virtual environment is missing or pyproject.toml changed.
venv:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "fichepress needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	@if [ ! -x $(BIN)/python ] || [ pyproject.toml -nt $(STAMP) ]; then \
		echo "installing fichepress into $(VENV)/"; \
		$(PYTHON) -m venv $(VENV) \
		&& $(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip \
		&& $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' \
		&& touch $(STAMP); \
	fi

sheets: venv
	$(BIN)/fichepress build --strict

check: venv
	$(BIN)/fichepress check

lint: venv
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/ruff format --check src tests tools benchmarks
	$(BIN)/mypy
	$(BIN)/python tools/stages.py src/fichepress --strict-size

format: venv
	$(BIN)/ruff format src tests tools benchmarks
	$(BIN)/ruff check --fix src tests tools benchmarks

# pdf.js (package.json, pinned by package-lock.json), with which tests read the accessible PDFs:
# installed when node_modules/ is missing or older than the lock; without npm the tests that
# need it say so (and fail in CI).
npm:
	@if ! command -v npm >/dev/null; then echo "npm not found: the pdf.js tests will say so"; \
	elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then \
		npm ci --omit=optional --no-audit --no-fund --loglevel=error && touch node_modules; fi

test: lint npm
	$(BIN)/python -m pytest

# The tests marked neither e2e (a real WeasyPrint build) nor process (a subprocess); a test of
# this run that would write a PDF or start a process fails as an unmarked one (tests/conftest.py).
# One process of tests per processor (pytest-xdist).
test-fast: venv
	$(BIN)/python -m pytest -n auto -m "not e2e and not process"

golden: venv
	$(BIN)/python -m tests.golden $(GOLDEN_DIR)

clean:
	rm -rf build

# The wheel, built by pip in an isolated environment that holds only what the build needs
# (setuptools): neither $(VENV) nor the dev extras.
dist:
	@$(PYTHON) -m pip --version >/dev/null 2>&1 \
		|| { echo "make dist needs pip: install python3-pip, or give PYTHON=a Python with pip"; exit 1; }
	$(PYTHON) -m pip wheel --quiet --no-deps --disable-pip-version-check -w dist .
