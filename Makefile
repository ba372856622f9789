# Herald's build and checks. `make check` is the test command CI runs.
GOLANGCI_LINT_VERSION := v2.15.0
GOBIN := $(shell go env GOPATH)/bin
GOLANGCI_LINT := $(GOBIN)/golangci-lint

.PHONY: build run check fmt vet lint test race data-note bench bench-rss bench-register bench-http tools

build:
	CGO_ENABLED=1 go build -o bin/herald ./cmd/herald

run:
	go run ./cmd/herald serve

# check is everything CI checks: formatting, vet, the linters (import rules
# included) and the race-enabled tests.
check: fmt vet lint race

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# MODULES are the two Go modules: the root (what users import) and e2e/ (the
# end-to-end tests with third-party clients and a browser, kept out of the
# root module's graph).
MODULES := . e2e

vet:
	@for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && go vet ./...) || exit 1; done

$(GOLANGCI_LINT):
	go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

tools: $(GOLANGCI_LINT)

lint: $(GOLANGCI_LINT)
	@for m in $(MODULES); do echo "golangci-lint ($$m)"; (cd $$m && $(GOLANGCI_LINT) run ./...) || exit 1; done

test: data-note
	@for m in $(MODULES); do (cd $$m && go test ./...) || exit 1; done

race: data-note
	@for m in $(MODULES); do (cd $$m && go test -race -timeout 30m ./...) || exit 1; done

# data-note says, before the tests run, which published data sets the
# conformance tests will check against and which they will skip for want of
# them: go test prints a passing package's skips only with -v.
data-note:
	@if [ -d ../shared/conformance ]; then echo "conformance cases: ../shared/conformance found"; \
	else echo "conformance cases: ../shared/conformance ABSENT: the Confluent and Apicurio conformance tests will SKIP"; fi
	@if [ -d /usr/share/json-schema-test-suite/tests ] || [ -d testdata/suites/node_modules/json-schema-test-suite/tests ]; then echo "JSON-Schema-Test-Suite: found"; \
	else echo "JSON-Schema-Test-Suite: ABSENT: TestJSONSchemaTestSuite will SKIP (.ci/run installs it)"; fi

# bench runs every benchmark except the memory ones, which start a real server
# and register 100k schemas (bench-rss).
bench:
	go test -run '^$$' -bench . -skip RSS -benchmem ./...

bench-rss:
	go test -run '^$$' -bench RSS -benchtime 1x -timeout 60m ./cmd/herald/

# bench-register compares registration throughput over HTTP with an earlier
# commit's: it builds herald at BASE (a git revision) in a temporary worktree,
# then registers realistic schemas on that binary and on this tree's, taking
# turns round by round, and prints each round's rates and their ratio.
# BASE=185b51b is the build the memory issue measured "~800/s" on.
bench-register:
	@test -n "$(BASE)" || { echo "usage: make bench-register BASE=<git revision> [SCHEMAS=20000] [ROUNDS=3]" >&2; exit 2; }
	@d=$$(mktemp -d) && trap 'git worktree remove --force "$$d/src" 2>/dev/null; rm -rf "$$d"' EXIT && \
	git worktree add --quiet --detach "$$d/src" "$(BASE)" && \
	(cd "$$d/src" && go build -o "$$d/herald" ./cmd/herald) && \
	go test -run '^$$' -bench RegisterBesideBaseline -benchtime 1x -timeout 60m ./cmd/herald/ \
		-args -baseline-herald "$$d/herald" -register-schemas $(or $(SCHEMAS),20000) -register-rounds $(or $(ROUNDS),3)

# bench-http measures GET /schemas/ids/{id} and /subjects/{s}/versions/latest
# over real HTTP from a separate load process (16 connections), alternating
# with a bare net/http server that answers the same bytes, three rounds each,
# and prints each round's throughput ratio. The budget is >= 0.9. A second run
# sends every request with an API key to a Herald started with --auth.
bench-http: build
	go build -o bin/herald-bench ./cmd/herald-bench
	bin/herald-bench -herald bin/herald -conns 16 -rounds 3 -duration 5s
	bin/herald-bench -herald bin/herald -conns 16 -rounds 3 -duration 5s -auth -paths /schemas/ids/1
