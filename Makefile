# threatmesh: two commands to start (`make demo`, `make test`), the rest for developers.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PIP     = $(BIN)/python -m pip
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test check bench clean fmt pymisp-fixtures cowrie-venv lab lab-tools system-deps cowrie-sample

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

# PyMISP's own test fixtures (real CIRCL OSINT events) are in its sdist, not its wheel:
# fetched once from PyPI with pip, for the anonymizer tests and bench.
PYMISP_TESTS = .cache/pymisp-tests
$(PYMISP_TESTS)/.done: $(STAMP)
	rm -rf $(PYMISP_TESTS) && mkdir -p $(PYMISP_TESTS)
	$(PIP) download --quiet --no-deps --no-binary :all: -d $(PYMISP_TESTS) \
	  "pymisp==$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("pymisp"))')"
	tar xzf $(PYMISP_TESTS)/pymisp-*.tar.gz -C $(PYMISP_TESTS) --strip-components=1 --wildcards '*/tests/*'
	touch $@

pymisp-fixtures: $(PYMISP_TESTS)/.done

# Cowrie, unchanged from PyPI, for tests/interop/test_cowrie_misp_output.py. Cowrie pins its
# dependencies exactly (Twisted, cryptography, ...), which would downgrade the dev venv: it
# gets a venv of its own, from PyPI only, with the PyMISP version threatmesh pins.
# Cowrie refuses to run as root, so `threatmesh honeynet run` starts it as an unprivileged
# user: its venv is built from a Python that user can reach (the system's, when ours lives
# in a private home directory, as pyenv's under /root does).
COWRIE_VERSION = 3.1.4
PYMISP_VERSION = $(shell sed -n 's/.*"pymisp==\([^"]*\)".*/\1/p' pyproject.toml)
COWRIE_VENV    = .cache/cowrie-venv
COWRIE_BASE   ?= $(shell [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null && echo /usr/bin/python3 || echo $(BIN)/python)
COWRIE_STAMP   = $(COWRIE_VENV)/.installed-cowrie-$(COWRIE_VERSION)-pymisp-$(PYMISP_VERSION)-$(notdir $(COWRIE_BASE))
$(COWRIE_STAMP): | $(BIN)/python
	rm -rf $(COWRIE_VENV)
	$(COWRIE_BASE) -m venv $(COWRIE_VENV)
	$(COWRIE_VENV)/bin/python -m pip install --quiet \
	  "cowrie==$(COWRIE_VERSION)" "pymisp==$(PYMISP_VERSION)"
	touch $@

cowrie-venv: $(COWRIE_STAMP)

## demo: install, start a demo instance on SQLite, print its URL and API key
demo: $(STAMP)
	THREATMESH_DATA_DIR=$${THREATMESH_DATA_DIR:-./data} $(BIN)/threatmesh demo

## system-deps: system packages the tests use (nats-server: the NATS outage tests run their own;
## Info-ZIP's zip and unzip: malware-sample zips checked against MISP's own tool)
system-deps:
	@command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || \
		(apt-get update && apt-get install -y nats-server)
	@(command -v zip && command -v unzip) >/dev/null 2>&1 || \
		(apt-get update && apt-get install -y zip unzip)

## test: install dev dependencies and run the whole suite (SQLite and PostgreSQL)
# Two pytest workers per core (at most 8): many tests wait on a server, a subprocess or
# PyMISP's own sleeps (about 100 s per live-suite run, 170 s per sync-suite run), and a
# waiting worker leaves its core idle. Measured on 2 cores, 2026-12-06: -n 4 15 min, -n 6 18
# min (idle machine); -n 2 24 min with other work running, 43 min on CI (with set-up).
TEST_WORKERS ?= $(shell n=$$(( 2 * $$(nproc) )); [ $$n -gt 8 ] && n=8; echo $$n)

test: $(STAMP) $(PYMISP_TESTS)/.done $(COWRIE_STAMP) lab-tools system-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -q

## check: lint and type-check
check: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## bench: run the benchmarks (figures go to docs/benchmarks.md by hand)
bench: $(STAMP) $(PYMISP_TESTS)/.done
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.anonymize
	$(BIN)/python -m bench.abe
	$(BIN)/python -m bench.detect
	$(BIN)/python -m bench.stream
	$(BIN)/python -m bench.sync
	$(BIN)/python -m bench.uma
	$(BIN)/python -m bench.protected_fetch

## lab: install the lab's Debian tools if missing, then record labelled traffic (root)
LAB_OUT   ?= data/lab
LAB_PLANS ?= day1 day2 day3 day4 holdout
LAB_TOOLS  = iproute2 tcpdump lighttpd openssh-server openssh-client dnsmasq-base \
             bind9-dnsutils curl wget nmap hydra hping3 slowhttptest dirb
# (not root: say so and go on; the lab test then skips with that reason, outside CI)
lab-tools:
	@missing=""; for p in $(LAB_TOOLS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" != 0 ]; then echo "lab tools missing:$$missing (need root)"; \
	elif [ -n "$$missing" ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -q --no-install-recommends $$missing; fi

lab: $(STAMP) lab-tools
	$(BIN)/threatmesh lab run $(foreach p,$(LAB_PLANS),--plan $(p)) --out $(LAB_OUT)

## cowrie-sample: the lab's SSH attacks recorded at a real Cowrie where the lab's sshd would
## be (root), labelled from Cowrie's own log, and the repo's small sample of them
COWRIE_OUT    ?= data/cowrie
COWRIE_ROUNDS ?= 12
COWRIE_SAMPLE ?= tests/detection/data/cowrie-ssh.flows.csv
cowrie-sample: $(STAMP) $(COWRIE_STAMP) lab-tools
	$(BIN)/threatmesh lab cowrie --out $(COWRIE_OUT) --rounds $(COWRIE_ROUNDS) --cowrie-venv $(COWRIE_VENV)
	$(BIN)/threatmesh honeynet schedule $(COWRIE_OUT)/cowrie.json --out $(COWRIE_OUT)/cowrie-ssh.schedule.json
	$(BIN)/threatmesh lab relabel $(COWRIE_OUT)/cowrie-ssh.pcap $(COWRIE_OUT)/cowrie-ssh.flows.csv
	$(BIN)/threatmesh lab sample $(COWRIE_OUT)/cowrie-ssh.flows.csv $(COWRIE_SAMPLE) --per-class 300 --benign 20

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) data .cache .pytest_cache .mypy_cache .ruff_cache
