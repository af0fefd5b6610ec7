import json
import time
import uuid

import pytest

from ecommerce import aws
from tests.support.tasks import echo_to_queue

pytestmark = pytest.mark.e2e


def test_task_sent_from_django_runs_in_a_real_worker_over_sqs(celery_worker, fresh_queue):
    token = uuid.uuid4().hex
    echo_to_queue.delay(fresh_queue, json.dumps({"token": token}))

    sqs = aws.client("sqs", long_poll=True)
    received = sqs.receive_message(QueueUrl=fresh_queue, WaitTimeSeconds=20)
    for _ in range(3):
        if received.get("Messages"):
            break
        received = sqs.receive_message(QueueUrl=fresh_queue, WaitTimeSeconds=20)
    assert [json.loads(m["Body"]) for m in received["Messages"]] == [{"token": token}]


def test_the_worker_survives_an_sqs_outage_and_consumes_again_after_it():
    """A poll cut off by the outage, then refused, is an empty poll (ecommerce/celery_sqs.py):
    kombu 5.7.0's own SQS channel crashed the worker ("Unrecoverable error") on it."""
    import boto3
    from django.conf import settings
    from kombu import Connection

    from ecommerce import emulator
    from tests.conftest import LOG_DIR, wait_for, worker_process

    port = emulator.free_port()
    url = f"http://127.0.0.1:{port}"
    sqs = boto3.client("sqs", endpoint_url=url, region_name=settings.AWS_REGION)
    celery_queue = aws.names().celery_queue
    moto, _ = emulator.start(port=port)
    worker = worker_process()
    worker.name = "worker-sqs-outage"
    worker.env.update(AWS_ENDPOINT_URL=url, MOTO_PORT=str(port))
    log = LOG_DIR / f"{worker.name}.log"
    log.unlink(missing_ok=True)
    try:
        sqs.create_queue(QueueName=celery_queue)
        worker.start()
        wait_for(lambda: log.exists() and " ready." in log.read_text(), timeout=60)
        time.sleep(1)  # its first long poll is open

        moto.terminate()  # the outage: the open poll is cut, the next ones are refused
        moto.wait(10)
        time.sleep(5)
        assert worker.popen.poll() is None, log.read_text()[-3000:]
        assert "Unrecoverable error" not in log.read_text()

        moto, _ = emulator.start(port=port)  # back, empty, as the emulator always restarts
        queue_url = sqs.create_queue(QueueName=celery_queue)["QueueUrl"]
        probe = sqs.create_queue(QueueName=f"probe-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        options = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "predefined_queues": {"celery": {"url": queue_url}},
        }
        with Connection(
            f"sqs://127.0.0.1:{port}",
            transport=settings.CELERY_BROKER_TRANSPORT,
            transport_options=options,
        ) as connection:
            echo_to_queue.apply_async(args=[probe, "back"], connection=connection)

        def task_ran():
            if worker.popen.poll() is not None:
                # A poll that reached the restarted emulator before its queue was re-created
                # got a 400 (no such queue): kombu stops the worker on that, on purpose (a
                # missing queue is a misconfiguration), and a process manager starts it
                # again. Only the outage itself must not stop it (asserted above).
                assert "HTTP 400" in log.read_text(), log.read_text()[-3000:]
                worker.start()
            return sqs.receive_message(QueueUrl=probe, WaitTimeSeconds=1).get("Messages")

        received = wait_for(
            task_ran,
            timeout=90,  # the worker may be between reconnection attempts
            message="the worker to run a task after the outage",
        )
        assert [m["Body"] for m in received] == ["back"]
    finally:
        worker.stop()
        moto.terminate()
        moto.wait(10)
