# make        installs what is missing (Python packages in .venv, TeX Live via apt-get), builds the PDF
# make test   runs the whole test suite (ruff, then pytest, end-to-end tests included)
# make bench  measures build speed against bare TeX (writes bench/RESULTS.md)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    := build
# The Debian packages the templates need; poppler-utils gives pdftotext/pdftoppm to the tests.
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-pictures texlive-science \
                latexmk lmodern texlive-fonts-recommended poppler-utils

.PHONY: all pdf test bench tex clean
.DELETE_ON_ERROR:

all: pdf

pdf: $(VENV)/.runtime tex
	$(PY) build.py --config problems/hw3.toml --out $(OUT)

$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# TeX comes from Debian's packages; without root or apt-get, say what to install and stop.
# The build needs pdflatex (and the packages below); the tests read PDFs with poppler's
# pdftotext/pdfinfo; only `make bench` needs latexmk (its reference).
MAC_TEX := tlmgr install collection-latexrecommended collection-fontsrecommended pgf pgfplots siunitx mathtools booktabs lm
tex:
	@if command -v pdflatex >/dev/null && command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing TeX Live (about a minute): $(TEX_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	else \
	  echo "error: TeX is missing. Debian/Ubuntu, as root: apt-get install $(TEX_PACKAGES); Fedora: dnf install texlive-scheme-medium poppler-utils; macOS: install MacTeX (or BasicTeX, then $(MAC_TEX)) and poppler (brew install poppler)" >&2; exit 1; \
	fi

test: $(VENV)/.test tex
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n auto  # every core: the suite typesets a few hundred PDFs

bench: $(VENV)/.test tex
	$(PY) bench/run.py

clean:
	rm -rf $(OUT) .pytest_cache
