import json
import uuid

import pytest

from ecommerce import aws
from tests.support.tasks import echo_to_queue

pytestmark = pytest.mark.e2e


def test_task_sent_from_django_runs_in_a_real_worker_over_sqs(celery_worker, fresh_queue):
    token = uuid.uuid4().hex
    echo_to_queue.delay(fresh_queue, json.dumps({"token": token}))

    received = aws.client("sqs").receive_message(QueueUrl=fresh_queue, WaitTimeSeconds=20)
    for _ in range(3):
        if received.get("Messages"):
            break
        received = aws.client("sqs").receive_message(QueueUrl=fresh_queue, WaitTimeSeconds=20)
    assert [json.loads(m["Body"]) for m in received["Messages"]] == [{"token": token}]
