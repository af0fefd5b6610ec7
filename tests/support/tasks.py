"""A task for the suite's own worker (started with `--include tests.support.tasks`): it
proves a message sent from Django really crossed SQS into a worker process."""

from celery import shared_task

from ecommerce import aws


@shared_task
def echo_to_queue(queue_url: str, body: str) -> None:
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=body)
