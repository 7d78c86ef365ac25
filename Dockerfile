# syntax=docker/dockerfile:1
# The bot's image: `engagement-bot serve` (HTTP on $PORT) by default; the same image runs
# `engagement-bot worker` and `engagement-bot db upgrade` (see compose.yaml).
#
# Installed exactly as CI installs it, by scripts/install.sh: the hashed lock file, then the
# package with --no-deps. With the PNG trend charts:
#   docker build --build-arg LOCK=requirements-charts.txt .
# Keep this file thin: what it does beyond copying files belongs in scripts/install.sh,
# which CI runs on every change (containers cannot be built where CI runs).

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ARG LOCK=requirements.txt
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python -m venv /opt/venv
# the locked dependencies first: this layer is rebuilt only when a lock file changes
COPY requirements*.txt ./
COPY scripts/install.sh scripts/
RUN bash scripts/install.sh --python /opt/venv/bin/python --lock "$LOCK" --no-project
COPY pyproject.toml README.md LICENSE ./
COPY bot bot
COPY triage triage
RUN bash scripts/install.sh --python /opt/venv/bin/python --lock "$LOCK"

FROM python:${PYTHON_VERSION}-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PORT=3000
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /app app
COPY --from=build /opt/venv /opt/venv
USER app
# the working directory is the app user's own: the default SQLite file lands here
WORKDIR /app
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
CMD ["engagement-bot", "serve"]
