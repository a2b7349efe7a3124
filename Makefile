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

# The main job: render a damaged two-hand phantom (its truth printed beside it), then score it
# and the bundled sample film with the embedded models; reports land in out/score.
sample: setup
	./bin/rascore phantom --seed 20261204 --hands 2 --healthy-share 0 --site-prob 0.3 --out out/phantom
	./bin/rascore score --out out/score --format json,csv,png,html \
		out/phantom/phantom-s20261204-0000.dcm samples/phantom-hand.dcm

# Fuzz the reader for FUZZTIME (default 60s); findings land in read/testdata/fuzz.
FUZZTIME ?= 60s
fuzz: setup
	go test ./read/ -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)

bench: setup
	go test ./... -run '^$$' -bench . -benchtime 3x
