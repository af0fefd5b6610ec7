#!/bin/sh
# The image's entry point: `web`, `worker`, `beat`, `events`, or any command (e.g. a
# management command: `python manage.py bootstrap_aws`). Mirrors the Procfile.
set -e
case "$1" in
  web)
    # Workers are replaced after WEB_MAX_REQUESTS requests (README, Reliability: soak).
    exec gunicorn ecommerce.wsgi:application --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" --access-logfile - \
      --max-requests "${WEB_MAX_REQUESTS:-10000}" \
      --max-requests-jitter "${WEB_MAX_REQUESTS_JITTER:-1000}" ;;
  worker)
    exec celery -A ecommerce worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-2}" \
      --without-gossip --without-mingle --without-heartbeat ;;
  beat)
    exec celery -A ecommerce beat --loglevel INFO \
      --scheduler django_celery_beat.schedulers:DatabaseScheduler ;;
  events)
    exec python manage.py consume_events ;;
  *)
    exec "$@" ;;
esac
