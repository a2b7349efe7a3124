# rascore: make setup builds everything; make test runs every test; make sample runs the main
# job on the bundled sample. See README.md.
.PHONY: setup test sample vet fuzz bench

# Go's own install folder, in case the shell's PATH lacks it.
export PATH := $(PATH):/usr/local/go/bin

setup:
	@scripts/setup.sh

vet: setup
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }

test: vet
	go test ./...

sample: setup
	./bin/rascore inspect --png out/sample-preview.png samples/phantom-hand.dcm
	./bin/rascore locate --overlay out/sample-sites.png samples/phantom-hand.dcm

# Fuzz the reader for FUZZTIME (default 60s); findings land in read/testdata/fuzz.
FUZZTIME ?= 60s
fuzz: setup
	go test ./read/ -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)

bench: setup
	go test ./... -run '^$$' -bench . -benchtime 3x
