# Build: cgo on, for the SQLite driver (SQLite's C library); the Go image has gcc.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/wagate ./cmd/wagate

# Run: Debian with Chromium for the WEBJS engine.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium ca-certificates fonts-liberation curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app wagate
WORKDIR /app
COPY --from=build /out/wagate /usr/local/bin/wagate
COPY configs/wagate.yaml /app/configs/wagate.yaml
ENV WAGATE_CONFIG=/app/configs/wagate.yaml \
    WAGATE_DATA_DIR=/app/data \
    WAGATE_ENGINES_WEBJS_BROWSER_PATH=/usr/bin/chromium
RUN mkdir -p /app/data && chown wagate /app/data
USER wagate
VOLUME /app/data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:3000/health || exit 1
ENTRYPOINT ["wagate"]
CMD ["serve"]
