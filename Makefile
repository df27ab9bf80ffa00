# pidfdsig — build, test, measure.
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

.PHONY: all build sample test test-go bench-smoke test-rego lint fmt-check vet bench bench-scan fuzz opa plugin clean

all: build test

build:
	$(GO) build ./...
	$(GO) build -o $(BIN)/pidfdsig ./cmd/pidfdsig

sample:
	-$(GO) run ./cmd/pidfdsig scan $(SAMPLES)

test: lint test-go bench-smoke test-rego

test-go:
	$(GO) test -race -count=1 -timeout 30m ./...

# Every benchmark once, so that one that no longer runs fails the tests.
bench-smoke:
	@out=$$($(GO) test -run='^$$' -bench=. -benchtime=1x ./... 2>&1) || { echo "$$out"; exit 1; }; \
	echo "benchmarks: every one ran once"

lint: fmt-check vet

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# The opa CLI, pinned, built from the Go module proxy into ./bin.
opa: $(OPA)
$(OPA):
	GOBIN=$(BIN) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)

test-rego: $(OPA)
	@if [ -n "$(REGO_DIRS)" ]; then \
		$(OPA) fmt --list --fail $(REGO_DIRS) $(REGO_TEST_RULES) && \
		$(OPA) check --strict --schema rego/schema/input.json $(REGO_DIRS) $(REGO_TEST_RULES) && \
		$(OPA) test --coverage --format=json $(REGO_DIRS) > $(BIN)/rego-coverage.json && \
		$(OPA) test -v $(REGO_DIRS) | tail -n 3; \
	else echo "no Rego rules yet"; fi

# A directory of your own Rego rules, checked as test-rego checks the
# built-in ones: make check-rules DIR=path/to/rules (see rego/README.md).
.PHONY: check-rules
check-rules:
	@test -n "$(DIR)" || { echo "usage: make check-rules DIR=path/to/rules"; exit 2; }
	$(GO) run ./cmd/pidfdsig rules check $(DIR)

bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

# The Tracee plugin, built to match the tracee binary named by TRACEE_BIN
# (and, when tracee was built from source, TRACEE_SRC). GO_ONLY=1 builds the
# variant without OPA (Go signatures only, no Rego rules).
plugin:
	$(GO) run ./cmd/pidfdsig plugin build -tracee "$(TRACEE_BIN)" $(if $(TRACEE_SRC),-tracee-src "$(TRACEE_SRC)") $(if $(filter-out 0,$(GO_ONLY)),-go-only) -o $(BIN)/pidfdsig.so

bench-scan:
	$(GO) test -run='^$$' -bench=BenchmarkScan -benchtime=1x ./cmd/pidfdsig/

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf $(BIN)
