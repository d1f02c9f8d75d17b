# newsdesk. `make help` lists the targets; each one's `## ` comment is its help line.

GO               ?= go
BIN              := bin/newsdesk
NEWSDESK_DATA_DIR ?= ./data
# Packages whose tests also run under the race detector. Race costs 2-10x time and memory on
# this 2-core machine, so only the concurrent core gets it; `make test RACE_PKGS=` turns it off.
RACE_PKGS        ?= ./queue/... ./workers/... ./e2e/...
TEST_TIMEOUT     ?= 10m
FUZZTIME         ?= 10s
BENCH_CORPUS     ?= ../shared/benchmarks/article-extraction
STATICCHECK      ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Databases `make db-reset` drops: the ones testenv creates (and drops, unless a test died).
DB_RESET_PATTERN ?= newsdesk\_test\_%

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@echo 'Usage: make TARGET'
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z_-]+:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/newsdesk
	$(GO) build -o $(BIN) ./cmd/newsdesk

.PHONY: run
run: ## Run everything in one process (private Postgres + embedded NATS unless DATABASE_URL/NATS_URL are set)
	scripts/ensure-postgres-binaries.sh
	$(MAKE) --no-print-directory build
	exec ./$(BIN) run

.PHONY: services
services: ## Start (installing when missing) Postgres, NATS JetStream and Chromium for the tests
	scripts/ensure-services.sh

.PHONY: test
test: services ## Run vet and the whole test suite against real Postgres and NATS
	$(GO) vet ./...
	@race="$$($(GO) list -e $(RACE_PKGS) 2>/dev/null || true)"; \
	rest="$$($(GO) list -e ./... | grep -vxF -f <(printf '%s\n' $$race) || true)"; \
	rc=0; \
	echo "+ go test -count=1 -p 2 -timeout $(TEST_TIMEOUT) (all packages but the race set)"; \
	CI=$${CI:-} $(GO) test -count=1 -p 2 -timeout $(TEST_TIMEOUT) $$rest || rc=$$?; \
	if [ -n "$$race" ]; then \
		echo "+ go test -race -count=1 -p 2 -timeout $(TEST_TIMEOUT) $$(echo $$race)"; \
		CI=$${CI:-} $(GO) test -race -count=1 -p 2 -timeout $(TEST_TIMEOUT) $$race || rc=$$?; \
	fi; \
	exit $$rc

.PHONY: test-short
test-short: ## Run the tests in -short mode (quick checks while editing)
	CI=$${CI:-} $(GO) test -short -count=1 -p 2 -timeout 5m ./...

.PHONY: lint
lint: ## Check formatting (gofmt), go vet and staticcheck
	@unformatted="$$(find . -name '*.go' -not -path './data/*' -not -path '*/testdata/*' -not -path './.git/*' -print0 | xargs -0 gofmt -l)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@if command -v staticcheck >/dev/null; then staticcheck ./...; else $(GO) run $(STATICCHECK) ./...; fi

.PHONY: bench
bench: build ## Run the benchmarks: extraction, faithfulness, portal, pipeline
	@# bench portal drives the server with wrk (another process) when it is installed.
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; } || \
		echo "wrk not installed: bench portal uses its built-in Go load generator"
	./$(BIN) bench extract --corpus $(BENCH_CORPUS)
	./$(BIN) bench faithfulness
	./$(BIN) bench portal
	./$(BIN) bench pipeline

.PHONY: chaos
chaos: services ## Run the fault suite (real binaries, Postgres and nats-server; under 10 minutes)
	CI=$${CI:-} $(GO) test -count=1 -tags chaos -timeout 10m -v ./chaos/... | grep -E '^(chaos:|=== RUN|--- |PASS|FAIL|ok|panic)|_test.go:'

.PHONY: fuzz
# A new interesting input is minimised for up to a minute by default, which can outlast a
# 10-second run and end it with "context deadline exceeded": minimise for a second at most.
fuzz: ## Run every fuzz target for FUZZTIME (default 10s) each
	@pkgs="$$(grep -rlE --include='*_test.go' '^func Fuzz[A-Z_0-9]' . | xargs -r -n1 dirname | sort -u)"; \
	if [ -z "$$pkgs" ]; then echo "no fuzz targets"; exit 0; fi; \
	for pkg in $$pkgs; do \
		for name in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz' || true); do \
			echo "+ go test -run '^$$' -fuzz '^$$name$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $$pkg"; \
			$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s "$$pkg"; \
		done; \
	done

.PHONY: db-reset
db-reset: ## Delete the private Postgres of `make run` and drop leftover test databases
	@pid_file="$(NEWSDESK_DATA_DIR)/postgres/data/postmaster.pid"; \
	if [ -f "$$pid_file" ] && kill -0 "$$(head -n1 "$$pid_file")" 2>/dev/null; then \
		echo "a server is running on $(NEWSDESK_DATA_DIR)/postgres (pid $$(head -n1 "$$pid_file")); stop newsdesk run first"; exit 1; \
	fi
	rm -rf "$(NEWSDESK_DATA_DIR)/postgres"
	@url="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"; \
	if command -v psql >/dev/null && psql "$$url" -XAtqc 'SELECT 1' >/dev/null 2>&1; then \
		for db in $$(psql "$$url" -XAtqc "SELECT datname FROM pg_database WHERE datname LIKE '$(DB_RESET_PATTERN)'"); do \
			if psql "$$url" -XAtqc "DROP DATABASE \"$$db\"" >/dev/null 2>&1; then echo "dropped $$db"; \
			else echo "kept $$db (in use by a running test)"; fi; \
		done; \
	else \
		echo "test server not reachable at $$url; no test databases dropped"; \
	fi
