# syntax=docker/dockerfile:1
# Multi-stage build: cgo is needed for the embedded SQLite driver.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/herald ./cmd/herald \
 && mkdir -p /out/data

# distroless/base has glibc (for cgo) and nothing else; it runs as an unprivileged user.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/herald /usr/local/bin/herald
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
VOLUME ["/data"]
ENV HERALD_DB=/data/herald.db
# The image listens on every interface, so it needs an auth file: mount one at
# /data/auth.yaml (see the README, "Identity and access"), or point HERALD_AUTH
# elsewhere. Without it the server refuses to start and says why. Only behind
# something else that authenticates, run it with --insecure-no-auth and
# HERALD_AUTH set empty.
ENV HERALD_AUTH=/data/auth.yaml
EXPOSE 8081
ENTRYPOINT ["/usr/local/bin/herald"]
CMD ["serve", "--addr", "0.0.0.0:8081"]
