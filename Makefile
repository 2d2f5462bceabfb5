.PHONY: test run build fuzz vet capabilities screenshots bench-peers bench-peers-webjs bench-peers-noweb bench-failover docker docker-noweb docker-base-images docker-smoke compose-stand-in-images compose-replicas-smoke

# Every test; CI calls this through .ci/run.
test: vet
	go test -count=1 -timeout 20m ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	go vet ./...
	CGO_ENABLED=0 go vet ./store  # the build without cgo: PostgreSQL only
	go vet -tags dockersmoke ./cmd/wagate  # make docker-smoke's test, so it compiles

run:
	go run ./cmd/wagate

build:
	go build -trimpath -o bin/wagate ./cmd/wagate

fuzz:
	go test -run '^$$' -fuzz FuzzChatID -fuzztime 30s ./engines
	go test -run '^$$' -fuzz FuzzMessageID -fuzztime 30s ./engines

# Regenerate the README's feature table from the capability matrix.
capabilities:
	go run ./cmd/wagate capabilities

# Side by side with the peers' own libraries, one table (the full output in
# bench-peers.out): WEBJS vs stock whatsapp-web.js on one fake account, NOWEB vs
# stock Baileys on one simnet (in its own process). A benchmark, never a test.
bench-peers:
	@{ $(MAKE) -s bench-peers-webjs && $(MAKE) -s bench-peers-noweb; } > bench-peers.out 2>&1 || { cat bench-peers.out; exit 1; }
	@awk '/^\| measure \||^\|---/ { if (seen[$$0]++) next } /^\|/' bench-peers.out

# Three replicas on one PostgreSQL, one SIGKILLed in turn 20 times
# (WAGATE_BENCH_FAILOVER_KILLS): how long its sessions take to be WORKING on the
# others, min/p50/p90/max and every kill's figure. A benchmark, never a test.
bench-failover:
	go test ./cmd/wagate -run '^$$' -bench Failover -benchtime 1x -timeout 60m

# The README's dashboard screenshots, taken in Chromium by the browser test
# against the sandbox.
screenshots:
	mkdir -p docs/screenshots
	WAGATE_SCREENSHOTS=$(CURDIR)/docs/screenshots go test -count=1 -run TestDashboardInBrowser ./cmd/wagate

bench-peers-webjs:
	go test ./engines/webjs -run '^$$' -bench PeersWEBJS -benchtime 1x

bench-peers-noweb:
	go test ./engines/noweb -run '^$$' -bench PeersNOWEB -benchtime 1x -timeout 60m

# Docker. VERSION is stamped into the binary (wagate version, /api/server/version).
DOCKER ?= docker
IMAGE ?= wagate
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
DOCKER_BUILD_FLAGS ?= --network host

docker:
	$(DOCKER) build $(DOCKER_BUILD_FLAGS) --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) -t $(IMAGE):latest .

docker-noweb:
	$(DOCKER) build $(DOCKER_BUILD_FLAGS) --build-arg VERSION=$(VERSION) --target noweb -t $(IMAGE):noweb .

# The base images, made locally when Docker has none and cannot pull them.
docker-base-images:
	DOCKER=$(DOCKER) sh scripts/docker-base-images.sh

# Builds both images and runs them with --network host: a NOWEB session paired on
# an external simnet (and surviving docker restart), a WEBJS session reaching
# SCAN_QR_CODE on a loopback fakeweb. Needs a Docker engine; not part of make test.
docker-smoke: docker-base-images
	WAGATE_SMOKE_VERSION=$(VERSION) WAGATE_SMOKE_IMAGE=$(IMAGE) go test -tags dockersmoke -run TestDockerSmoke -count=1 -v -timeout 90m ./cmd/wagate

# Stand-ins for caddy:2 and postgres:16 (Caddy from the Go module proxy, Debian's
# PostgreSQL), made only when Docker has none and cannot pull them.
compose-stand-in-images: docker-base-images
	DOCKER=$(DOCKER) sh scripts/compose-stand-in-images.sh

# The README's replicas setup for real: docker compose (>= 2.24) up --scale
# wagate=3 behind Caddy, NOWEB sessions paired on a simnet of the test, one
# replica stopped and one killed. Needs a Docker engine; not part of make test.
compose-replicas-smoke: compose-stand-in-images
	go test -tags dockersmoke -run TestComposeReplicas -count=1 -v -timeout 60m ./cmd/wagate
