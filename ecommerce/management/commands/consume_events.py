import signal
import threading

from django.core.management.base import BaseCommand
from django.db import connections

from ecommerce import aws
from ecommerce.duework import Relay
from ecommerce.events import EventConsumer


class Command(BaseCommand):
    help = (
        "The events process: long-poll the events queue (S3 notifications, the order "
        "workflow) and dispatch each message; hand due work to the worker (the relay)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=int, default=10, help="long-poll seconds (1-20)")

    def handle(self, *args, wait: int, **options):
        consumer = EventConsumer(aws.queue_url(aws.names().events_queue), wait_seconds=wait)
        relay = Relay()
        relaying = threading.Thread(target=self._relay, args=(relay,), name="due-work-relay")
        relaying.start()

        def stop(signum, frame):
            # Finish the batch in hand, then stop: nothing is half-handled. While only
            # waiting on the long poll, leave at once; a message that the poll was about
            # to return stays in the queue and is delivered again after its visibility.
            consumer.stop()
            relay.stop()
            if not consumer.handling:
                raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            consumer.run()
        finally:
            relay.stop()
            relaying.join()

    @staticmethod
    def _relay(relay: Relay) -> None:
        try:
            relay.run()
        finally:
            connections.close_all()
