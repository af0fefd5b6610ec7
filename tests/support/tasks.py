"""Tasks for the suite's own worker (started with `--include tests.support.tasks`): they
prove a message sent from Django really crossed SQS into a worker process."""

from celery import shared_task

from ecommerce import aws


@shared_task
def echo_to_queue(queue_url: str, body: str) -> None:
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=body)


@shared_task
def echo_items(items: list[str]) -> None:
    """An outbox task: each item is "<queue name> <body>"; the body goes to that queue."""
    sqs = aws.client("sqs")
    for item in items:
        queue, body = item.split(" ", 1)
        sqs.send_message(QueueUrl=aws.queue_url(queue), MessageBody=body)
