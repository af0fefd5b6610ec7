#!/bin/sh
# The image's entry point: `web`, `worker`, `beat`, `events`, or any command (e.g. a
# management command: `python manage.py bootstrap_aws`). Mirrors the Procfile.
set -e
case "$1" in
  web)
    exec gunicorn ecommerce.wsgi:application --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" --access-logfile - ;;
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
