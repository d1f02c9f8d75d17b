# syntax=docker/dockerfile:1
# One image for every newsdesk role: `newsdesk run | api | worker | migrate | …`.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/newsdesk ./cmd/newsdesk

FROM debian:trixie-slim
# ca-certificates: fetching https articles and calling the LLM endpoint; tzdata: published times.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/newsdesk --create-home newsdesk
COPY --from=build /out/newsdesk /usr/local/bin/newsdesk
USER newsdesk
WORKDIR /var/lib/newsdesk
ENV NEWSDESK_ADDR=0.0.0.0:8080 \
    NEWSDESK_DATA_DIR=/var/lib/newsdesk
EXPOSE 8080
ENTRYPOINT ["newsdesk"]
CMD ["run"]
