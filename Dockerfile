# syntax=docker/dockerfile:1
# The Gongzhi image: `docker build -t gongzhi .`; compose.yaml runs it with PostgreSQL;
# docs/deploy.md "Containers". Two stages: the wheelhouse is built with the network
# (deploy/wheelhouse.sh, as `make wheelhouse` does), the runtime stage installs it with
# none (its install.sh: no index), so the image holds the runtime pins of
# requirements.lock and no compiler, test or build tool.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    PYTHON=python3 deploy/wheelhouse.sh /wheelhouse

FROM python:3.11-slim-bookworm
# postgresql-client: pg_dump/pg_restore for `gongzhi backup`/`restore` (bookworm's 15,
# the server version of compose.yaml; the client must not be older than the server).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        postgresql-client tini \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 gongzhi \
    && useradd --system --uid 10001 --gid gongzhi --home-dir /var/lib/gongzhi \
        --no-create-home --shell /usr/sbin/nologin gongzhi \
    && install -d -o gongzhi -g gongzhi -m 750 /var/lib/gongzhi
# The code belongs to root: the service user can read it, not change it.
RUN --mount=type=bind,from=build,source=/wheelhouse,target=/wheelhouse \
    PYTHON=python3 /wheelhouse/install.sh /opt/gongzhi
COPY --chmod=755 deploy/docker-entrypoint.sh /usr/local/bin/gongzhi-entrypoint
COPY --chmod=755 deploy/healthcheck.py /usr/local/bin/gongzhi-healthcheck

ENV PATH=/opt/gongzhi/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GONGZHI_VAR_DIR=/var/lib/gongzhi \
    GONGZHI_BIND=0.0.0.0:8000
USER gongzhi
WORKDIR /var/lib/gongzhi
# The SQLite database when DATABASE_URL is unset, collected static files, uploads, backups.
VOLUME ["/var/lib/gongzhi"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["gongzhi-healthcheck"]
ENTRYPOINT ["tini", "--", "gongzhi-entrypoint"]
CMD ["run"]
