# syntax=docker/dockerfile:1
#
# citebot as a small static image: built with the Go toolchain, run from a
# distroless base (CA certificates, time zones, no shell) as a non-root
# user. The store lives in the /data volume; the seed articles are built
# into the binary. Build and run:
#
#   docker build -t citebot .
#   docker run -d --name citebot -e DISCORD_TOKEN=... -v citebot-data:/data -p 127.0.0.1:9090:9090 citebot
#
# docker-compose.yml runs it with a local model server (Ollama).

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so that editing the code reuses this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static (no cgo: the SQLite driver is pure Go) and reproducible
# (-trimpath: no build paths in the binary).
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/citebot ./cmd/citebot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/citebot /usr/local/bin/citebot
# An empty /data owned by the runtime user: a new named volume copies it,
# ownership included.
COPY --from=build --chown=65532:65532 /out/data /data
ENV CITEBOT_DATA_DIR=/data \
    CITEBOT_HTTP_ADDR=:9090 \
    CITEBOT_LOG_FORMAT=json
WORKDIR /data
VOLUME ["/data"]
# /healthz and /metrics (CITEBOT_HTTP_ADDR).
EXPOSE 9090
USER nonroot:nonroot
ENTRYPOINT ["citebot"]
CMD ["serve"]
