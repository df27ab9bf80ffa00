# pidfdsig — build, test, measure. `make help` lists the targets (from the
# "## " comment after each target name).
#
#   make sample   run the main job on the bundled Tracee captures
#   make test     every test: gofmt, go vet, go test -race, each benchmark once, opa fmt/check/test

GO        ?= go
OPA_VERSION ?= v1.13.2
BIN       := $(CURDIR)/bin
OPA       := $(BIN)/opa
SAMPLES   := testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl testdata/tracee-samples/tracee-main-trigger.jsonl
FUZZTIME  ?= 20s
BENCHTIME ?= 1s
REGO_DIRS := $(wildcard rego/rules rego/lib)
# Test rules the Go tests load: formatted and checked like the rules.
REGO_TEST_RULES := $(wildcard rego/testdata/rules/engines rego/testdata/rules/user rego/testdata/rules/unplannable rego/testdata/rules/hostile)

.PHONY: all help build sample test test-go bench-smoke test-rego lint fmt-check vet bench bench-scan fuzz opa plugin clean

all: build test ## build, then every test

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

build: ## build every package and bin/pidfdsig
	$(GO) build ./...
	$(GO) build -o $(BIN)/pidfdsig ./cmd/pidfdsig

# scan exits 1 when it reports findings, which these captures are made to
# trigger: that is success here. Exit 2 (an error) fails.
sample: ## scan the bundled Tracee captures (their findings are expected)
	@$(GO) build -o $(BIN)/pidfdsig ./cmd/pidfdsig
	@$(BIN)/pidfdsig scan $(SAMPLES); status=$$?; \
	if [ $$status -eq 1 ]; then echo "make sample: pidfdsig exited 1: findings reported, as expected for these captures (0 = none, 2 = error)"; exit 0; fi; \
	exit $$status

test: lint test-go bench-smoke test-rego ## every test (gofmt, vet, go test -race, benchmarks once, Rego)

test-go: ## go test -race ./...
	@echo "== make test: go test -race ./... (the longest step: a few minutes)"
	$(GO) test -race -count=1 -timeout 30m ./...

# Every benchmark once, so that one that no longer runs fails the tests;
# -short keeps the long ones (the real-Tracee overhead run) short.
bench-smoke: ## every benchmark once, -short
	@echo "== make test: every benchmark once (-short)"
	@out=$$($(GO) test -short -run='^$$' -bench=. -benchtime=1x ./... 2>&1) || { echo "$$out"; exit 1; }; \
	echo "benchmarks: every one ran once"

lint: fmt-check vet ## gofmt and go vet

fmt-check:
	@echo "== make test: gofmt and go vet"
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# The opa CLI, pinned, built from the Go module proxy into ./bin.
opa: $(OPA) ## build the pinned opa CLI into bin/
$(OPA):
	GOBIN=$(BIN) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)

test-rego: $(OPA) ## opa fmt, check --strict and test on the Rego rules
	@echo "== make test: opa fmt, check --strict and test"
	@if [ -n "$(REGO_DIRS)" ]; then \
		$(OPA) fmt --list --fail $(REGO_DIRS) $(REGO_TEST_RULES) && \
		$(OPA) check --strict --schema rego/schema/input.json $(REGO_DIRS) $(REGO_TEST_RULES) && \
		$(OPA) test --coverage --format=json $(REGO_DIRS) > $(BIN)/rego-coverage.json && \
		$(OPA) test -v $(REGO_DIRS) | tail -n 3; \
	else echo "no Rego rules yet"; fi

# A directory of your own Rego rules, checked as test-rego checks the
# built-in ones: make check-rules DIR=path/to/rules (see rego/README.md).
.PHONY: check-rules
check-rules: ## check your own rules directory: make check-rules DIR=path (format, strict compile, tests, plan machine)
	@test -n "$(DIR)" || { echo "usage: make check-rules DIR=path/to/rules"; exit 2; }
	$(GO) run ./cmd/pidfdsig rules check $(DIR)

bench: ## every benchmark, with allocations (BENCHTIME=1s)
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

# The Tracee plugin, built to match the tracee binary named by TRACEE_BIN
# (and, when tracee was built from source, TRACEE_SRC). GO_ONLY=1 builds the
# variant without OPA (Go signatures only, no Rego rules).
plugin: ## build bin/pidfdsig.so for TRACEE_BIN (TRACEE_SRC, GO_ONLY=1)
	$(GO) run ./cmd/pidfdsig plugin build -tracee "$(TRACEE_BIN)" $(if $(TRACEE_SRC),-tracee-src "$(TRACEE_SRC)") $(if $(filter-out 0,$(GO_ONLY)),-go-only) -o $(BIN)/pidfdsig.so

bench-scan: ## the scan benchmark once
	$(GO) test -run='^$$' -bench=BenchmarkScan -benchtime=1x ./cmd/pidfdsig/

# Runs every fuzz target for FUZZTIME each.
fuzz: ## every fuzz target for FUZZTIME (20s) each
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean: ## remove bin/
	rm -rf $(BIN)
