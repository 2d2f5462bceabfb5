.PHONY: test run build fuzz vet capabilities bench-peers-webjs

# Every test; CI calls this through .ci/run.
test: vet
	go test -count=1 -timeout 20m ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	go vet ./...
	CGO_ENABLED=0 go vet ./store  # the build without cgo: PostgreSQL only

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

# WEBJS side by side: our engine vs stock whatsapp-web.js on one fake account.
bench-peers-webjs:
	go test ./engines/webjs -run '^$$' -bench PeersWEBJS -benchtime 1x
