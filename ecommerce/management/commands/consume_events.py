import signal

from django.core.management.base import BaseCommand

from ecommerce import aws
from ecommerce.events import EventConsumer


class Command(BaseCommand):
    help = "Long-poll the events queue (S3 notifications, order workflow) and dispatch."

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=int, default=10, help="long-poll seconds (1-20)")

    def handle(self, *args, wait: int, **options):
        consumer = EventConsumer(aws.queue_url(aws.names().events_queue), wait_seconds=wait)

        def stop(signum, frame):
            # Finish the batch in hand, then stop: nothing is half-handled. While only
            # waiting on the long poll, leave at once; a message that the poll was about
            # to return stays in the queue and is delivered again after its visibility.
            consumer.stop()
            if not consumer.handling:
                raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        consumer.run()
