# Herald's build and checks. `make check` is the test command CI runs.
GOLANGCI_LINT_VERSION := v2.15.0
GOBIN := $(shell go env GOPATH)/bin
GOLANGCI_LINT := $(GOBIN)/golangci-lint

.PHONY: build run check fmt vet lint test race bench bench-rss tools

build:
	CGO_ENABLED=1 go build -o bin/herald ./cmd/herald

run:
	go run ./cmd/herald serve

# check is everything CI checks: formatting, vet, the linters (import rules
# included) and the race-enabled tests.
check: fmt vet lint race

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

$(GOLANGCI_LINT):
	go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

tools: $(GOLANGCI_LINT)

lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

test:
	go test ./...

race:
	go test -race -timeout 30m ./...

# bench runs every benchmark except the memory ones, which start a real server
# and register 100k schemas (bench-rss).
bench:
	go test -run '^$$' -bench . -skip RSS -benchmem ./...

bench-rss:
	go test -run '^$$' -bench RSS -benchtime 1x -timeout 60m ./cmd/herald/
