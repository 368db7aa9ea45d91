# Sitebook: build, run and test entry points (GNU make).
#
#   make run           start the desktop app (on Xvfb when there is no display)
#   make test          system packages, venv, lint, then pytest; CI runs this (.ci/run)
#   make lint | fmt    ruff check and format check | fix both
#   make bench         every bench/bench_*.py in turn
#   make reliability   the full fault battery, then its summary
#   make package       the Linux app bundle dist/sitebook/ and its tarball (PyInstaller)
#   make clean         remove the venv and every cache
#
# Variables: PYTEST_ARGS (extra pytest arguments), RUN_ARGS (arguments for the
# app; default --demo, the demo vault), PYTHON (interpreter that creates the
# venv), EXTRAS (pip extras).

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
STAMP := $(VENV)/.installed
EXTRAS ?= test
PYTEST_ARGS ?=
RUN_ARGS ?= --demo

# Debian packages, installed by `make sysdeps` when one is missing and we are root.
# Add to the list with another `SYSDEPS +=` line.
# Qt 6 itself (libQt6Gui/libQt6DBus link these; enough for the offscreen platform):
SYSDEPS := libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0
# Qt's xcb platform plugin (libQt6XcbQpa links these; they pull in the other libxcb-*):
SYSDEPS += libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0
# A virtual X server for screenshot runs, and a font so text renders:
SYSDEPS += xvfb xauth fonts-dejavu-core
# Real peers the tests talk to: KeePassXC's CLI, headless Chromium, pdftotext:
SYSDEPS += keepassxc chromium poppler-utils

.DEFAULT_GOAL := help
.PHONY: help sysdeps venv install test lint fmt run bench reliability clean package

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

# Install what is missing from SYSDEPS, once, with a single `apt-get update`.
# Not root, or no apt: say what is missing and carry on.
sysdeps:
	@missing=""; \
	for pkg in $(SYSDEPS); do \
	  dpkg-query -W -f='$${db:Status-Abbrev}' "$$pkg" 2>/dev/null | grep -q '^.i' \
	    || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then \
	  exit 0; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	  echo "sysdeps: not installed:$$missing (install them as root: sudo make sysdeps)" >&2; \
	else \
	  echo "sysdeps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q \
	    && apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(VPY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install -q -e '.[$(EXTRAS)]'
	@touch $@

venv install: $(STAMP)

lint: $(STAMP)
	$(RUFF) check .
	$(RUFF) format --check .

fmt: $(STAMP)
	$(RUFF) format .
	$(RUFF) check --fix .

test: sysdeps $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(VPY) -m pytest $(PYTEST_ARGS)

# With no display (and no QT_QPA_PLATFORM chosen), run on a virtual X server.
run: sysdeps $(STAMP)
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}$${QT_QPA_PLATFORM:-}" ]; then \
	  echo "run: no display, starting on Xvfb (xvfb-run)"; \
	  exec xvfb-run -a -s '-screen 0 1440x900x24' $(VPY) -m ui.desktop $(RUN_ARGS); \
	else \
	  exec $(VPY) -m ui.desktop $(RUN_ARGS); \
	fi

# The reference engines (whoosh, tantivy) are installed for the benchmarks only.
bench: $(STAMP)
	$(VPY) -m pip install -q -e '.[test,bench]'
	@set -e; for f in bench/bench_*.py; do \
	  [ -e "$$f" ] || continue; \
	  echo "== $$f"; \
	  $(VPY) "$$f"; \
	done

# The report runs even when tests fail (that is when it matters); the exit
# status is pytest's.
reliability: sysdeps $(STAMP)
	@export SITEBOOK_RELIABILITY=full QT_QPA_PLATFORM=offscreen; status=0; \
	$(VPY) -m pytest tests/reliability $(PYTEST_ARGS) || status=$$?; \
	if [ -f tests/reliability/report.py ]; then $(VPY) tests/reliability/report.py; fi; \
	exit $$status

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The Linux bundle: dist/sitebook/ (sitebook-desktop and sitebook over one
# _internal/ folder) and dist/sitebook-VERSION-linux-ARCH.tar.gz (the bundle, the
# menu entry, icons, file type and install.sh). Built in its own venv with only
# the runtime dependencies, so no test or development tool can reach the bundle.
# PyInstaller reads binary dependencies with objdump (binutils).
SYSDEPS += binutils
PKG_VENV := build/package-venv
PKG_PY := $(PKG_VENV)/bin/python
PKG_STAMP := $(PKG_VENV)/.installed
PKG_VERSION = $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
PKG_NAME = sitebook-$(PKG_VERSION)-linux-$(shell uname -m)

$(PKG_PY):
	$(PYTHON) -m venv $(PKG_VENV)

$(PKG_STAMP): pyproject.toml | $(PKG_PY)
	$(PKG_PY) -m pip install -q -e '.[desktop]' 'pyinstaller>=6.10'
	@touch $@

package: sysdeps $(PKG_STAMP)
	$(PKG_PY) -m PyInstaller packaging/sitebook.spec --noconfirm --log-level WARN \
	  --distpath dist --workpath build/pyinstaller
	rm -rf build/$(PKG_NAME) dist/$(PKG_NAME).tar.gz
	mkdir -p build/$(PKG_NAME)/linux build/$(PKG_NAME)/icons
	cp -a dist/sitebook build/$(PKG_NAME)/sitebook
	cp packaging/linux/* build/$(PKG_NAME)/linux/
	cp ui/desktop/icons/*.png build/$(PKG_NAME)/icons/
	tar -C build -czf dist/$(PKG_NAME).tar.gz $(PKG_NAME)
	@du -sh dist/sitebook dist/$(PKG_NAME).tar.gz
