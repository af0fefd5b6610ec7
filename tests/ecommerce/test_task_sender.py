"""The background task sender (ecommerce/task_sender.py): hand-over after commit, retries,
giving up, the bounded backlog. Tasks here are stand-ins that record how they were sent;
the real path over SQS is in test_celery.py and every order test."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import transaction

from ecommerce import task_sender
from ecommerce.task_sender import TaskSender, send_after_commit


class StandIn:
    """A task that records its sends, failing the first `failures` of them."""

    def __init__(self, name: str = "tests.stand_in", failures: int = 0):
        self.name = name
        self.failures = failures
        self.sends: list[tuple[tuple, str]] = []
        self.delays: list[tuple] = []

    def apply_async(self, args, **kwargs):
        self.sends.append((tuple(args), threading.current_thread().name))
        if len(self.sends) <= self.failures:
            raise ConnectionError("SQS is down")

    def delay(self, *args):
        self.delays.append(args)


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(task_sender, "RETRY_WAIT_SECONDS", 0.01)


@pytest.mark.django_db(transaction=True)
def test_a_task_is_handed_over_only_when_the_transaction_commits_and_sent_by_the_thread():
    task = StandIn()
    with transaction.atomic():
        send_after_commit(task, "a", background=True)
        assert task.sends == []
    assert task_sender.sender.flush(timeout=5)
    assert task.sends == [(("a",), "task-sender")]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing_and_without_background_it_sends_inline():
    task = StandIn()
    with pytest.raises(RuntimeError), transaction.atomic():
        send_after_commit(task, "lost", background=True)
        raise RuntimeError
    with transaction.atomic():
        send_after_commit(task, "inline")
    assert task_sender.sender.flush(timeout=5)
    assert (task.sends, task.delays) == ([], [("inline",)])


def test_tasks_keep_their_order_and_failures_are_retried(fast_retries, caplog):
    sender = TaskSender()
    task = StandIn(failures=2)
    with caplog.at_level(logging.WARNING, logger="ecommerce.task_sender"):
        for n in range(5):
            sender.submit(task, (n,))
        assert sender.flush(timeout=5)
    sent = [args for args, _ in task.sends]
    # The first attempt (n=0 raised) and its retry (raised again) each lost the batch.
    assert sent[-5:] == [(n,) for n in range(5)]
    assert "tasks not sent, will retry" in caplog.text
    assert "given up" not in caplog.text


def test_a_task_that_cannot_be_sent_is_given_up_after_its_attempts_and_logged(fast_retries, caplog):
    sender = TaskSender()
    task = StandIn(failures=10**6)
    with caplog.at_level(logging.ERROR, logger="ecommerce.task_sender"):
        sender.submit(task, ("order-1",))
        assert sender.flush(timeout=5)
    assert len(task.sends) == task_sender.SEND_ATTEMPTS
    [record] = [r for r in caplog.records if "given up" in r.getMessage()]
    assert (record.task, record.task_args) == ("tests.stand_in", ["order-1"])


def test_a_full_backlog_drops_the_task_and_says_so(monkeypatch, caplog):
    monkeypatch.setattr(task_sender, "BACKLOG", 2)
    sender = TaskSender()
    release = threading.Event()

    class Blocking(StandIn):
        def apply_async(self, args, **kwargs):
            release.wait(5)
            super().apply_async(args)

    task = Blocking()
    with caplog.at_level(logging.ERROR, logger="ecommerce.task_sender"):
        for n in range(3):
            sender.submit(task, (n,))
        release.set()
        assert sender.flush(timeout=5)
    assert [args for args, _ in task.sends] == [(0,), (1,)]
    assert "backlog full, task dropped" in caplog.text


def test_flush_times_out_while_a_send_hangs():
    sender = TaskSender()
    release = threading.Event()

    class Hanging(StandIn):
        def apply_async(self, args, **kwargs):
            release.wait(5)

    sender.submit(Hanging(), ("x",))
    assert sender.flush(timeout=0.2) is False
    release.set()
    assert sender.flush(timeout=5) is True


def test_tasks_handed_over_together_go_out_as_one_batch(monkeypatch):
    """The sender lingers for the batch to fill: as many tasks as one SendMessageBatch
    carries, one send."""
    monkeypatch.setattr(task_sender, "LINGER_SECONDS", 5.0)  # ends early: the batch is full
    sender = TaskSender()
    sizes = []
    send = TaskSender._send

    def counting(self, batch):
        sizes.append(len(batch))
        return send(self, batch)

    monkeypatch.setattr(TaskSender, "_send", counting)
    task = StandIn()
    for n in range(task_sender.PER_REQUEST):
        sender.submit(task, (n,))
    assert sender.flush(timeout=4)  # well before the linger would have ended
    assert sizes == [task_sender.PER_REQUEST]


def test_calls_of_a_merge_calls_task_share_messages_ten_to_one_in_order(monkeypatch):
    monkeypatch.setattr(task_sender, "LINGER_SECONDS", 0.5)
    sender = TaskSender()
    merged, plain = StandIn("tests.merged"), StandIn("tests.plain")
    merged.merge_calls = True
    for n in range(25):
        sender.submit(merged, ([f"order-{n}"],))
        if n == 12:
            sender.submit(plain, ("alone",))
    assert sender.flush(timeout=5)
    assert [args for args, _ in merged.sends] == [
        ([f"order-{n}" for n in range(0, 10)],),
        ([f"order-{n}" for n in range(10, 20)],),
        ([f"order-{n}" for n in range(20, 25)],),
    ]
    assert [args for args, _ in plain.sends] == [("alone",)]


def test_a_merged_message_that_fails_is_retried_with_every_call_it_carried(fast_retries):
    sender = TaskSender()
    merged = StandIn("tests.merged", failures=1)
    merged.merge_calls = True
    for n in range(3):
        sender.submit(merged, ([n],))
    assert sender.flush(timeout=5)
    assert [args for args, _ in merged.sends] == [([0, 1, 2],), ([0, 1, 2],)]
