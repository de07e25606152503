# make        installs what is missing (Python packages in .venv, TeX Live via apt-get), builds the PDF
# make test   runs the whole test suite (ruff, then pytest, end-to-end tests included)
# make test-fast  the tests that need neither TeX nor PyTorch nor a browser nor long (markers tex, torch, browser, slow)
# make test-cluster  the many-machines recipe of docs/instructors.md on a single-node Slurm of its own
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
# The cluster test starts a Slurm of its own: Debian's daemons and clients, and munge.
CLUSTER_PACKAGES := slurm-wlm munge

.PHONY: all pdf test test-fast test-cluster bench tex browser slurm clean
.DELETE_ON_ERROR:
, := ,

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

# $(call apt_need,CHECK,PACKAGES,WHAT,ELSE): nothing when the shell test CHECK passes; else,
# as root with apt-get, install Debian's PACKAGES (saying WHAT they are for); else print
# ELSE (what to install, and how) and stop.
define apt_need
@if { $(1); } >/dev/null 2>&1; then :; \
elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
  echo "installing $(3): $(2)"; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(2) >/dev/null; \
else \
  echo "error: $(4)" >&2; exit 1; \
fi
endef

# TeX comes from Debian's packages; without root or apt-get, say what to install and stop.
# The build needs pdflatex (and the packages below); the tests read PDFs with poppler's
# pdftotext/pdfinfo; only `make bench` needs latexmk (its reference).
MAC_TEX := tlmgr install collection-latexrecommended collection-fontsrecommended collection-xetex pgf pgfplots siunitx mathtools booktabs lm lm-math bookmark
HAVE_TEX := command -v pdflatex && command -v xelatex && command -v pdftotext && command -v pdfinfo \
            && fc-list "Noto Serif CJK SC" | grep -q . && fc-list "Noto Naskh Arabic" | grep -q .
tex:
	$(call apt_need,$(HAVE_TEX),$(TEX_PACKAGES),TeX Live (about a minute),TeX is missing. Debian/Ubuntu$(,) as root: apt-get install $(TEX_PACKAGES); Fedora: dnf install texlive-scheme-medium texlive-xetex poppler-utils google-noto-serif-fonts google-noto-serif-cjk-fonts google-noto-naskh-arabic-fonts; macOS: install MacTeX (or BasicTeX$(,) then $(MAC_TEX))$(,) poppler (brew install poppler) and the fonts Noto Serif$(,) Noto Serif CJK and Noto Naskh Arabic)

HAVE_SLURM := command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged
slurm:
	$(call apt_need,$(HAVE_SLURM),$(CLUSTER_PACKAGES),Slurm and munge for the cluster test,the cluster test needs Slurm and munge. Debian/Ubuntu$(,) as root: apt-get install $(CLUSTER_PACKAGES))

HAVE_BROWSER := command -v chromium && test -f /usr/share/javascript/mathjax/MathJax.js
browser:
	$(call apt_need,$(HAVE_BROWSER),$(BROWSER_PACKAGES),Chromium and MathJax for the quiz tests,the quiz tests need Chromium and MathJax. Debian/Ubuntu$(,) as root: apt-get install $(BROWSER_PACKAGES))

test: $(VENV)/.test tex browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n auto -m "not cluster"  # every core: the suite typesets a few hundred PDFs

test-fast: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n auto -m "not tex and not torch and not browser and not slow and not cluster"

test-cluster: $(VENV)/.test tex slurm
	$(PY) -m pytest -m cluster tests/test_cluster.py

bench: $(VENV)/.test tex
	$(PY) bench/run.py

clean:
	rm -rf $(OUT) .pytest_cache
