# syntax=docker/dockerfile:1
# Multi-stage build of the statusboard server: the dependencies in a layer of their own,
# derived from the workspace by cargo-chef (a recipe of every manifest and the lock file,
# so no list here can fall behind the workspace), then the code; run as a non-root user on
# a slim base.
#
# RUST_IMAGE and RUNTIME_IMAGE choose the bases: the official images by default; `.ci/image`
# passes stand-ins made locally from Debian's packages. With CARGO_NET_OFFLINE=true and the
# host's cargo registry mounted at /usr/local/cargo/registry, it builds without network
# (`.ci/image` does both).
ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS chef
ARG CARGO_CHEF_VERSION=0.1.77
ARG CARGO_NET_OFFLINE=false
ENV CARGO_NET_OFFLINE=${CARGO_NET_OFFLINE}
# A stand-in image brings cargo-chef; the official one gets it here.
RUN command -v cargo-chef >/dev/null \
    || cargo install --locked cargo-chef --version "${CARGO_CHEF_VERSION}"
WORKDIR /src

# 1. The recipe: what the dependency layer needs from the workspace.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# 2. The dependencies alone: rebuilt only when the recipe changes, not for a code change.
FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json --package statusboard-server

# 3. The code: only the workspace's own crates build here.
COPY . .
RUN cargo build --release --locked --package statusboard-server \
    && cp target/release/statusboard-server /usr/local/bin/statusboard-server

FROM ${RUNTIME_IMAGE}
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
