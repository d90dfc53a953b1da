# syntax=docker/dockerfile:1
# Munjigi: `docker build -t munjigi .` — see docs/deploy.md.

# ---- build: install the package and its pinned dependencies into a virtualenv ----------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
# Dependencies first (the layer is reused until the lock or the metadata changes).
COPY pyproject.toml requirements.lock README.md ./
COPY src ./src
# Runtime dependencies only, at the versions CI tested (the lock also pins the dev tools,
# which a constraints file installs only when asked for).
# The translation catalogs (.po → .mo) are compiled here: the image's package is read-only.
RUN /opt/venv/bin/pip install --constraint requirements.lock . \
 && /opt/venv/bin/python -c "from munjigi.i18n import compile_catalogs; compile_catalogs()" \
 && /opt/venv/bin/python -m compileall -q /opt/venv

# ---- runtime: the virtualenv, the gunicorn settings, an unprivileged user ---------------
FROM python:3.11-slim-bookworm AS runtime
# PDF reports draw Hangul with a Korean font: fonts-nanum's NanumGothic (MUNJIGI_REPORT_FONT).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-nanum \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 munjigi \
 && useradd --system --uid 10001 --gid munjigi --home-dir /app --shell /usr/sbin/nologin munjigi
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY gunicorn.conf.py ./
RUN mkdir -p /app/instance && chown munjigi:munjigi /app/instance
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MUNJIGI_ENV=production \
    MUNJIGI_INSTANCE_PATH=/app/instance
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "munjigi:create_app()"]
