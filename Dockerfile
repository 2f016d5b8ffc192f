# The production image: gunicorn serving the app, the same image runs the Celery worker and beat
# (compose.yaml). Static files are collected at build time (hashed, gzip and brotli).

# htmx from the npm registry, as `make` installs it (package-lock.json pins it); axe-core, a
# test-only package, stays out.
FROM node:22-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY --from=assets /build/node_modules/htmx.org/dist node_modules/htmx.org/dist
COPY manage.py ./
COPY config config
COPY integrations integrations
COPY scheduling scheduling
COPY templates templates
COPY locale locale
COPY static static
# collectstatic needs settings, not secrets: a throwaway key for this one command.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v0
USER app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "config/healthcheck.py"]
CMD ["gunicorn", "-c", "config/gunicorn.py"]
