# The platform's commands. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The machine's Python 3.11 that creates the virtualenv (resolved before PATH gains .venv).
HOST_PYTHON := $(shell command -v python3)
VENV        ?= .venv
PYTHON      := $(VENV)/bin/python
BIN         := $(VENV)/bin
INVENTORY   ?= inventories/lab
# bench/run_all.py's options, e.g. BENCH_ARGS="--deploy" or "--fresh-lab" (destroys the lab).
BENCH_ARGS  ?=
export PATH := $(abspath $(BIN)):$(PATH)
# `$(call timed,NAME,COMMAND)` runs COMMAND; when BDP_STAGE_LOG names a file (.ci/run sets it),
# appends "NAME<tab>seconds" to it for the run's table of stage times.
timed = started=$$SECONDS; $(2); [ -z "$${BDP_STAGE_LOG:-}" ] || \
        printf '%s\t%s\n' "$(1)" $$((SECONDS - started)) >> "$$BDP_STAGE_LOG"
export ANSIBLE_CONFIG := $(abspath ansible/ansible.cfg)

# Debian packages the control machine needs for the lab (chromium: the lab test loads the
# Prometheus console pages in a real browser; gcc and libkrb5-dev: the control venv and the
# mirror build gssapi, which PyPI carries only as source, so they come before the venv;
# krb5-user: kinit, for the bdp commands against a secure cluster).
CONTROL_PACKAGES := systemd-container debootstrap apt-cacher-ng openssh-client iproute2 tcpdump \
                    util-linux maven chromium gcc libkrb5-dev krb5-user

.PHONY: help setup control-packages lock mirror lab-up lab-down lab-status deploy health demo \
        lint test test-all test-unit test-lab test-lab-all bench

help: ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: control-packages $(VENV)/.installed ## install the control machine's packages and the pinned Python toolchain

control-packages:
	@if [ "$$(id -u)" = 0 ] && ! dpkg-query -W $(CONTROL_PACKAGES) >/dev/null 2>&1; then \
	  echo "== installing control-machine packages: $(CONTROL_PACKAGES)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(CONTROL_PACKAGES); \
	fi

$(VENV)/.installed: requirements.lock pyproject.toml
	@echo "== creating $(VENV) from requirements.lock"
	$(HOST_PYTHON) -m pip install -q --root-user-action=ignore uv
	$(HOST_PYTHON) -m uv venv -q --allow-existing -p 3.11 $(VENV)
	$(HOST_PYTHON) -m uv pip install -q --python $(VENV)/bin/python --require-hashes -r requirements.lock
	$(HOST_PYTHON) -m uv pip install -q --python $(VENV)/bin/python --no-deps -e .
	touch $@

lock: ## re-resolve requirements*.in into hash-pinned locks (Python 3.11: the control machine's and the hosts')
	$(HOST_PYTHON) -m uv pip compile -q requirements.in -o requirements.lock --python-version 3.11 --generate-hashes
	for house in airflow collectors; do \
	  $(HOST_PYTHON) -m uv pip compile -q requirements-$$house.in -o requirements-$$house.lock \
	    --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes; \
	done

mirror: setup ## build the artifact mirror from the package registries (cached)
	$(BIN)/bdp mirror build

lab-up: setup ## create (or start) the 13 lab hosts, apt proxy and artifact server
	$(BIN)/bdp lab create

lab-down: setup ## destroy the lab hosts (the base image and caches stay for next time)
	$(BIN)/bdp lab destroy

lab-status: ## show the lab hosts and their state
	$(BIN)/bdp lab status

deploy: setup ## run site.yml against INVENTORY (default: the lab)
	$(BIN)/bdp deploy -i $(INVENTORY)

health: ## print the inventory and the health of what is deployed
	$(BIN)/ansible-inventory -i $(INVENTORY) --graph
	$(BIN)/bdp deploy -i $(INVENTORY) --playbook ansible/health.yml

demo: setup mirror lab-up deploy ## the main job: mirror, lab, deploy, ingest, daily ETL, report
	$(BIN)/bdp demo -i $(INVENTORY)

lint: setup ## ruff and ansible-lint
	$(BIN)/ruff check src runtime tests roles collectors spark_jobs dags bench monitoring ansible/plugins
	$(BIN)/ruff format --check src runtime tests roles collectors spark_jobs dags bench monitoring ansible/plugins
	$(BIN)/ansible-lint --nocolor -q

# promtool for the Prometheus rule tests: Debian's prometheus package unpacked under build/tools
# (downloaded with apt-get, never installed, so no server starts on this machine).
PROMTOOL := build/tools/usr/bin/promtool

$(PROMTOOL):
	mkdir -p build/tools/debs
	cd build/tools/debs && { ls prometheus_*.deb >/dev/null 2>&1 || apt-get download prometheus \
	  || { apt-get update -q && apt-get download prometheus; }; }
	dpkg-deb -x "$$(ls -t build/tools/debs/prometheus_*.deb | head -n 1)" build/tools
	touch $@

test-unit: setup $(PROMTOOL) ## fast tests: lint, syntax checks, unit tests (no lab)
	@$(call timed,make lint (ruff and ansible-lint),$(MAKE) --no-print-directory lint)
	@$(call timed,unit tests (pytest -n auto),$(BIN)/pytest -q -m "not lab" -n auto)

test-lab: setup mirror ## lab tests: 13 fresh hosts, site.yml, services, ingestion, the ETL, one drill
	$(BIN)/pytest -q -m "lab and not slow" -s --durations=20

test-lab-all: setup mirror ## every lab test: site.yml again (changed=0), rolling restarts, drills
	$(BIN)/pytest -q -m lab -s --durations=20

test: test-unit test-lab ## what CI runs (README's test command)

test-all: test-unit test-lab-all ## everything, rolling-restart drills included (~10 min more than test)

bench: setup ## the benchmarks against the lab, one table (BENCH_ARGS="--deploy" adds site.yml)
	$(PYTHON) bench/run_all.py $(BENCH_ARGS)
