# Chung Tay bot image.   docker build -t chungtay .   (compose.yaml runs it with PostgreSQL)
#
# trixie, not the default Debian of the day: `chungtay backup` runs pg_dump, which refuses a server newer
# than itself; trixie's postgresql-client (17) dumps the PostgreSQL 16 of compose.yaml.
FROM python:3.11-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# pg_dump / pg_restore for `chungtay backup` and `chungtay restore`. Not pinned: Debian's security
# updates replace the exact version in the archive, which would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 chungtay \
    && useradd --system --uid 10001 --gid chungtay --home-dir /app --shell /usr/sbin/nologin chungtay

WORKDIR /app

# Dependencies first, so their layer is reused while only the code changes: the runtime packages of
# pyproject.toml at exactly the versions requirements.lock pins (the lock also pins the dev tools,
# which the image does not need).
COPY pyproject.toml requirements.lock ./
RUN python -m venv /opt/venv \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/runtime.txt \
    && pip install --constraint requirements.lock --requirement /tmp/runtime.txt \
    && rm /tmp/runtime.txt

# The code runs from /app (the catalogues are found next to it), installed in place for the
# `chungtay` command; the gettext catalogues are compiled here, as `make i18n-compile` does.
COPY alembic.ini babel.cfg ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY db/ db/
COPY locales/ locales/
# data/ (the SQLite file, when DATABASE_URL is not set) and /backups (`chungtay backup /backups`) belong to
# the bot's user and only to it: a fresh named volume takes the owner and mode of the image's directory,
# so without this the volume is root's and the bot (uid 10001) cannot write its backups.
RUN pip install --no-deps --editable . \
    && pybabel compile --directory locales --domain messages --statistics \
    && mkdir -p data /backups \
    && chown chungtay:chungtay data /backups \
    && chmod 0700 data /backups

# The numeric id, so Kubernetes' runAsNonRoot and the host can tell it is not root.
USER 10001:10001

# SQLite database (when DATABASE_URL is not set), backups, webhook, /healthz (HEALTH_PORT), dashboard (compose: 8082).
VOLUME ["/app/data", "/backups"]
EXPOSE 8443 8081 8082

# `chungtay check` exits 0 ok, 1 failing, 2 degraded; Docker reserves 2, and a degraded bot still serves.
HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 \
    CMD ["sh", "-c", "chungtay check > /dev/null; test $? -ne 1"]

CMD ["python", "-m", "bot"]
