# Builds planner into a small image. The SQLite driver and the zone data are
# pure Go and inside the binary, so the runtime image needs no C library.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/planner ./cmd/planner \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/planner /usr/local/bin/planner
# /data is where a SQLite file and the key file go when no PostgreSQL and no
# PLANNER_SECRET_KEY are configured; the image runs as the nonroot user.
COPY --from=build --chown=65532:65532 /out/data /data
# Without PostgreSQL or PLANNER_SECRET_KEY, what lives here must outlive the
# container: the key prints the feed URLs, and the database keeps its
# fingerprint, so a lost key file stops `planner feeds`. The key file stays in
# /data for PostgreSQL too (its default would be the user's config directory,
# which a new container does not keep).
VOLUME /data
WORKDIR /data
ENV PLANNER_KEY_FILE=/data/planner.key
ENV PLANNER_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/planner"]
CMD ["serve"]
