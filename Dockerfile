# Multi-stage build: compile in the Rust image, run from a slim Debian.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY src ./src
COPY migrations ./migrations
RUN cargo build --release --locked && strip target/release/datagate

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/datagate --create-home datagate
COPY --from=build /src/target/release/datagate /usr/local/bin/datagate
USER datagate
WORKDIR /var/lib/datagate
ENV DATAGATE_DATA_DIR=/var/lib/datagate/data \
    DATAGATE_BIND=0.0.0.0:8080 \
    DATAGATE_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["datagate"]
CMD ["serve"]
