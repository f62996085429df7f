# Convenantbot: serves Slack over HTTP on port 3000 (POST /slack/events, GET /healthz).
#   docker build -t convenantbot .
#   docker run --env-file .env -p 3000:3000 -v convenantbot-data:/app/data convenantbot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src

# Dependencies in their own layer: rebuilt only when pyproject.toml changes, not on every code
# or content edit. The list is read from pyproject.toml, the one place where it is kept.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The application itself (its dependencies are already there), then the guidance.
COPY README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-deps . && rm -rf /src

WORKDIR /app
COPY content ./content

RUN useradd --system --uid 10001 --home-dir /app --no-create-home convenantbot \
    && mkdir -p /app/data \
    && chown convenantbot:convenantbot /app/data

# Defaults for the container; override them with --env-file .env or -e NAME=value. Mount a
# volume on /app/data to keep the SQLite database, or set DATABASE_URL to PostgreSQL.
ENV CONTENT_DIR=/app/content \
    DATABASE_URL=sqlite:////app/data/convenantbot.db \
    PORT=3000

USER convenantbot
EXPOSE 3000

# HTTP mode only: in Socket Mode (SLACK_APP_TOKEN set) nothing listens on PORT, so run the
# container with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)" || exit 1

CMD ["convenantbot", "serve"]
