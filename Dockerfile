# dustmail-lite container image. Build with either of:
#   podman build --format docker -t dustmail-lite .
#   docker build -t dustmail-lite .
# ("--format docker" keeps the HEALTHCHECK, which the OCI image format has no field for.)
# `Dockerfile` is an identical copy of this file for tools that look for that name;
# tests/test_container.py checks that they stay the same.
#
# BASE: any Debian-like image with python3 (3.11 or newer) and its venv module at the same
# path in both stages; the test suite builds on one made with debootstrap.
ARG BASE=docker.io/library/python:3.11-slim

FROM ${BASE} AS build
# EXTRAS: optional parts to install, e.g. --build-arg EXTRAS='[mcp]' for the MCP server at
# /mcp (about 40 MB more); without it /mcp answers 501.
ARG EXTRAS=""
WORKDIR /src
COPY pyproject.toml README.md ./
COPY dustmail_lite ./dustmail_lite
# One virtualenv holding the app and its dependencies; pip and setuptools leave it once done.
RUN python3 -m venv /opt/dustmail-lite \
 && /opt/dustmail-lite/bin/pip install --no-cache-dir --disable-pip-version-check ".${EXTRAS}" \
 && /opt/dustmail-lite/bin/pip uninstall --yes --quiet --disable-pip-version-check setuptools pip \
 && rm -f /opt/dustmail-lite/bin/[Aa]ctivate*
# An unprivileged user, made here and copied over, so the final stage runs no command at all.
RUN groupadd --system --gid 10025 dustmail \
 && useradd --system --uid 10025 --gid dustmail --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin dustmail \
 && mkdir /data && chown dustmail:dustmail /data

FROM ${BASE}
ARG BASE
# VERSION: the package version, for the label (the tests pass dustmail_lite.__version__).
ARG VERSION=dev
LABEL org.opencontainers.image.title="dustmail-lite" \
      org.opencontainers.image.description="Self-hosted temporary-email server: the DustMail API over SMTP and one SQLite file" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${BASE}"

COPY --from=build /etc/passwd /etc/group /etc/
# /data (the volume) is the only place the server writes.
COPY --from=build --chown=10025:10025 /data /data
COPY --from=build /opt/dustmail-lite /opt/dustmail-lite

# Inside the container the server listens on every address (the published ports decide
# what the host exposes) and keeps its database on the volume. These variables win over
# a mounted config file (DUSTMAIL_CONFIG); everything else keeps the safe built-in defaults.
ENV PATH=/opt/dustmail-lite/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DUSTMAIL_HTTP_HOST=0.0.0.0 \
    DUSTMAIL_SMTP_HOST=0.0.0.0 \
    DUSTMAIL_STORAGE_PATH=/data/dustmail.sqlite3
VOLUME ["/data"]
WORKDIR /data
USER 10025:10025
# SMTP (1025, published as 25) and HTTP (8025): unprivileged ports, so no capability is needed.
EXPOSE 1025 8025

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/opt/dustmail-lite/bin/python", "-m", "dustmail_lite.healthcheck"]
# Exec form: `serve` is PID 1 and gets SIGTERM itself (drains SMTP, exits 0).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/dustmail-lite/bin/dustmail-lite"]
CMD ["serve"]
