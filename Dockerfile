FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

RUN groupadd --system nexus && useradd --system --gid nexus --home /app nexus

COPY --chown=nexus:nexus . .

# collectstatic needs settings that import cleanly; these build-time values never reach runtime.
RUN ENVIRONMENT=production \
    SECRET_KEY=build-only-secret-key-that-is-long-enough-to-pass-the-settings-check-0123456789 \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER nexus

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/health/', timeout=4)"

CMD ["gunicorn", "nexus.wsgi", "-c", "gunicorn.conf.py"]
