# syntax=docker/dockerfile:1
# Multi-stage build of the statusboard server: build with the locked dependencies, run as
# a non-root user on a slim base.

FROM rust:1.88-slim-bookworm AS build
WORKDIR /src

# 1. The dependencies alone, from the manifests and placeholder sources: this layer is
#    rebuilt only when a Cargo.toml or Cargo.lock changes, not for a code change.
COPY Cargo.toml Cargo.lock ./
COPY server/Cargo.toml server/build.rs server/
COPY server/api/Cargo.toml server/api/
COPY client/Cargo.toml client/
COPY build-tools/xtask/Cargo.toml build-tools/xtask/
COPY build-tools/openapi/Cargo.toml build-tools/openapi/
COPY build-tools/devtools/Cargo.toml build-tools/devtools/
COPY build-tools/baselines/Cargo.toml build-tools/baselines/
COPY tests/Cargo.toml tests/
RUN for crate in server server/api client build-tools/xtask build-tools/openapi \
        build-tools/devtools build-tools/baselines tests; do \
        mkdir -p "$crate/src" && touch "$crate/src/lib.rs" \
        && echo 'fn main() {}' > "$crate/src/main.rs"; \
    done \
    && mkdir -p tests/tests/e2e server/migrations && touch tests/tests/e2e/main.rs \
    && cargo build --release --locked -p statusboard-server \
    && rm -rf server/src server/api/src client/src build-tools/*/src tests/src tests/tests

# 2. The code: only the workspace's own crates build here.
COPY . .
RUN find server -name '*.rs' -exec touch {} + \
    && cargo build --release --locked -p statusboard-server \
    && cp target/release/statusboard-server /usr/local/bin/statusboard-server

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/statusboard-server /usr/local/bin/statusboard-server
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin statusboard
USER 10001
ENV BIND_ADDRESS=0.0.0.0:8000 \
    METRICS_BIND_ADDRESS=0.0.0.0:9464 \
    LOG_FORMAT=json \
    LOG_LEVEL=INFO
EXPOSE 8000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["statusboard-server", "healthcheck"]
ENTRYPOINT ["statusboard-server"]
