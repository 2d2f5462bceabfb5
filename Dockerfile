# wagate's image. Targets:
#   (default)  the gateway with Chromium, for both engines
#   noweb      the gateway without Chromium (NOWEB only), a fraction of the size
# Build: make docker (or: docker build --build-arg VERSION=$(git describe --always) .).
# It builds with the classic builder as well as BuildKit.
ARG GO_IMAGE=golang:1.26-bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

# Build: cgo on, for the SQLite driver (SQLite's C library); the Go image has gcc.
FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
# go.mod replaces whatsmeow with our patched copy; its go.mod is part of the graph.
COPY third_party/whatsmeow/go.mod third_party/whatsmeow/
RUN go mod download
COPY . .
# The version `wagate version` and /api/server/version report; .git is not in the
# build context (.dockerignore), so it is stamped here.
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w -X main.buildVersion=${VERSION}" -o /out/wagate ./cmd/wagate

# What both images share. The user has a fixed UID and GID, 10001, so a bind-mounted
# data dir can be given to it: chown 10001:10001 ./data. tini is PID 1: it reaps the
# processes Chromium leaves behind and passes signals on. ffmpeg converts voice notes
# and videos (convert: true, /api/{session}/media/convert/*) and measures them.
FROM ${DEBIAN_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 wagate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --create-home --shell /usr/sbin/nologin wagate \
 && mkdir -p /app/data && chown 10001:10001 /app/data
WORKDIR /app
COPY --from=build /out/wagate /usr/local/bin/wagate
COPY configs/wagate.yaml /app/configs/wagate.yaml
ENV WAGATE_CONFIG=/app/configs/wagate.yaml \
    WAGATE_DATA_DIR=/app/data
VOLUME /app/data
EXPOSE 3000
# Asks the gateway on the port its configuration names (WHATSAPP_API_PORT included).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 CMD ["wagate", "healthcheck"]
ENTRYPOINT ["tini", "--", "wagate"]
CMD ["serve"]

FROM runtime AS noweb
ENV WAGATE_ENGINES_DEFAULT=NOWEB
USER 10001:10001

# The default image: Chromium for WEBJS. Docker's default seccomp profile does not
# let a non-root Chromium make its sandbox ("No usable sandbox!"), so it runs
# without: the container is the boundary (engines.webjs.sandbox).
FROM runtime AS full
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation \
 && rm -rf /var/lib/apt/lists/*
ENV WAGATE_ENGINES_WEBJS_BROWSER_PATH=/usr/bin/chromium \
    WAGATE_ENGINES_WEBJS_SANDBOX=false
USER 10001:10001
