# One image for the four process types (web, worker, beat, events); pick one with the
# command, e.g. `docker run IMAGE web`. See the README, "Running from the image".
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libcurl for pycurl (Celery's SQS transport); no compiler is needed, pycurl ships wheels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
# The hashed lock, exactly: every package pinned with its hashes, nothing resolved here.
RUN pip install --require-hashes --no-deps -r requirements.txt

COPY . .
RUN useradd --system --uid 10001 app \
    && DJANGO_SECRET_KEY=build AWS_ENDPOINT_URL= python manage.py collectstatic --no-input -v 0 \
    && chown -R app /app/var
USER app

EXPOSE 8000
ENTRYPOINT ["scripts/entrypoint.sh"]
CMD ["web"]
