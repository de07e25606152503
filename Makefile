# make        installs what is missing (Python packages in .venv, TeX Live via apt-get), builds the PDF
# make test   runs the whole test suite (ruff, then pytest, end-to-end tests included)
# make test-fast  the tests that need neither TeX nor PyTorch nor a browser nor long (markers tex, torch, browser, slow)
# make bench  measures build speed against bare TeX (writes bench/RESULTS.md)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    := build
# The Debian packages the templates need; poppler-utils gives pdftotext/pdftoppm to the tests.
# XeLaTeX and the Noto fonts set names in other scripts (Greek, Cyrillic, CJK, Arabic).
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-pictures texlive-science \
                latexmk lmodern texlive-fonts-recommended poppler-utils \
                texlive-xetex fonts-noto-core fonts-noto-cjk
# The quiz tests render questions in a real browser with MathJax, as Moodle's and Canvas's
# pages do (npm is unreachable here: Debian's MathJax 2.7).
BROWSER_PACKAGES := chromium libjs-mathjax

.PHONY: all pdf test test-fast bench tex browser clean
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
MAC_TEX := tlmgr install collection-latexrecommended collection-fontsrecommended collection-xetex pgf pgfplots siunitx mathtools booktabs lm lm-math bookmark
HAVE_TEX := command -v pdflatex && command -v xelatex && command -v pdftotext && command -v pdfinfo \
            && fc-list "Noto Serif CJK SC" | grep -q . && fc-list "Noto Naskh Arabic" | grep -q .
tex:
	@if { $(HAVE_TEX); } >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing TeX Live (about a minute): $(TEX_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	else \
	  echo "error: TeX is missing. Debian/Ubuntu, as root: apt-get install $(TEX_PACKAGES); Fedora: dnf install texlive-scheme-medium texlive-xetex poppler-utils google-noto-serif-fonts google-noto-serif-cjk-fonts google-noto-naskh-arabic-fonts; macOS: install MacTeX (or BasicTeX, then $(MAC_TEX)), poppler (brew install poppler) and the fonts Noto Serif, Noto Serif CJK and Noto Naskh Arabic" >&2; exit 1; \
	fi

HAVE_BROWSER := command -v chromium && test -f /usr/share/javascript/mathjax/MathJax.js
browser:
	@if { $(HAVE_BROWSER); } >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Chromium and MathJax for the quiz tests: $(BROWSER_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; \
	else \
	  echo "error: the quiz tests need Chromium and MathJax. Debian/Ubuntu, as root: apt-get install $(BROWSER_PACKAGES)" >&2; exit 1; \
	fi

test: $(VENV)/.test tex browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n auto  # every core: the suite typesets a few hundred PDFs

test-fast: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n auto -m "not tex and not torch and not browser and not slow"

bench: $(VENV)/.test tex
	$(PY) bench/run.py

clean:
	rm -rf $(OUT) .pytest_cache
