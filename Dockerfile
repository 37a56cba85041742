# syntax=docker/dockerfile:1
# Multi-stage build of the statusboard server: build with the locked dependencies, run as
# a non-root user on a slim base.

FROM rust:1.88-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p statusboard-server \
    && cp target/release/statusboard-server /usr/local/bin/statusboard-server

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/statusboard-server /usr/local/bin/statusboard-server
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin statusboard
USER 10001
ENV BIND_ADDRESS=0.0.0.0:8000 \
    LOG_FORMAT=json \
    LOG_LEVEL=INFO
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["statusboard-server", "healthcheck"]
ENTRYPOINT ["statusboard-server"]
