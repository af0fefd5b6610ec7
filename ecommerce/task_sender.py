"""Celery tasks handed, after commit, to a background thread that sends them in batches.

`send_after_commit(task, *args)` registers an on-commit callback that only hands the task
to this process's sender thread, so a request returns as soon as its transaction has
committed instead of waiting for SQS (a SendMessage cost order placement twice its
transaction). The thread sends whatever has accumulated meanwhile, up to ten messages per
SQS request (ecommerce/celery_sqs.batched), and retries what could not be sent. Calls of a
task marked `merge_calls` share messages, up to ten calls to one (`_messages`): building a
Celery message and sending it cost the web process more than placing the order.

What this gives up, and why it is safe: a task handed over but not yet sent is lost if its
process dies (SIGKILL, OOM) or SQS stays down past the retries. The caller's rows are
committed before the hand-over, so only tasks that a sweeper re-sends may use this: orders'
`orders_sweep` re-enqueues pending orders untouched for ORDER_STUCK_AFTER_SECONDS. A
graceful exit sends what is pending first (atexit, bounded by EXIT_FLUSH_SECONDS).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque

from django.db import transaction

from ecommerce.celery_sqs import BATCH_SIZE, batched

logger = logging.getLogger(__name__)

BACKLOG = 10_000  # tasks waiting in one process; beyond it they are dropped (and logged)
SEND_ATTEMPTS = 6  # per task, waiting RETRY_WAIT_SECONDS × 2^n in between (15.5 s in all)
RETRY_WAIT_SECONDS = 0.5
EXIT_FLUSH_SECONDS = 5.0
# How long the first task of a batch waits for more. A SendMessageBatch took about 4 ms of
# the web process's CPU however many calls it carried (10 ms wall against the emulator), so
# at the benchmark's 70 orders a second per web process, 50 ms sent about 4 orders a request
# and 200 ms about 14: placement went from 0.25 to 0.35 of the one-statement bare, the
# emulator's CPU per order from 3.4 to 0.9 ms. A task reaches SQS at most this much later
# (orders take seconds to ship) and a full batch (PER_REQUEST) goes at once.
LINGER_SECONDS = 0.2
MERGED_PER_MESSAGE = 10  # calls of a `merge_calls` task carried by one message
PER_REQUEST = BATCH_SIZE * MERGED_PER_MESSAGE  # calls taken per round (one SendMessageBatch)


class TaskSender:
    """One daemon thread per process (started on first use, again after a fork)."""

    def __init__(self):
        self._pid: int | None = None
        self._lock = threading.Lock()

    def _start(self) -> None:
        self._pid = os.getpid()
        self._pending: deque[tuple] = deque()  # (task, args, attempts made)
        self._unfinished = 0  # handed over and neither sent nor given up yet
        self._changed = threading.Condition()
        threading.Thread(target=self._run, name="task-sender", daemon=True).start()

    def submit(self, task, args: tuple) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._start()
        with self._changed:
            if self._unfinished >= BACKLOG:
                logger.error(
                    "task sender backlog full, task dropped (a sweeper re-sends it)",
                    extra={"task": task.name, "task_args": list(args)},
                )
                return
            self._pending.append((task, args, 0))
            self._unfinished += 1
            self._changed.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until everything handed over was sent or given up; False on timeout."""
        if self._pid != os.getpid():
            return True  # nothing was handed over in this process
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._unfinished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending:
                    self._changed.wait()
                # Linger a moment for the batch to fill: one SQS request carries up to
                # ten messages (of up to ten merged calls each), instead of one request
                # per task whenever SQS answers faster than orders come.
                deadline = time.monotonic() + LINGER_SECONDS
                while len(self._pending) < PER_REQUEST:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
                taken = min(len(self._pending), PER_REQUEST)
                batch = [self._pending.popleft() for _ in range(taken)]
            retry = self._send(batch)
            with self._changed:
                self._unfinished -= len(batch) - len(retry)
                self._changed.notify_all()
            if retry:
                # Wait before trying again (SQS is refusing or unreachable), then put the
                # unsent tasks back in front, in their order.
                time.sleep(RETRY_WAIT_SECONDS * 2 ** (retry[0][2] - 1))
                with self._changed:
                    self._pending.extendleft(reversed(retry))
                    self._changed.notify_all()

    def _send(self, batch: list[tuple]) -> list[tuple]:
        """Send a batch; returns the tasks to try again (their attempts counted)."""
        messages = _messages(batch)
        error = ""
        try:
            with batched() as result:
                for task, args, _ in messages:
                    # Nothing to declare (the queues are predefined) and no network inside
                    # `batched()`: kombu's declare and retry wrappers would only cost time
                    # (they doubled the cost of building a message). Retries are ours.
                    task.apply_async(args, declare=[], retry=False)
            unsent = dict(result.failed)
        except Exception as exc:  # noqa: BLE001 - SQS unreachable: whatever was not sent
            error = f"{exc.__class__.__name__}: {exc}"
            unsent = {i: error for i in range(len(messages)) if i not in result.sent}
        retry = []
        for position, reason in sorted(unsent.items()):
            for task, args, attempts in (batch[i] for i in messages[position][2]):
                if attempts + 1 >= SEND_ATTEMPTS:
                    logger.error(
                        "task not sent, given up (a sweeper re-sends it)",
                        extra={"task": task.name, "task_args": list(args), "reason": reason},
                    )
                else:
                    retry.append((task, args, attempts + 1))
        if retry:
            logger.warning(
                "tasks not sent, will retry",
                extra={"count": len(retry), "reason": error or sorted(set(unsent.values()))},
            )
        return retry


def _messages(batch: list[tuple]) -> list[tuple]:
    """The messages that carry a batch: (task, args, positions in the batch it carries).

    A call goes alone, except calls of a task marked `merge_calls` (its one argument a
    list): those are merged, MERGED_PER_MESSAGE calls to a message at most, their lists
    concatenated in order (orders.tasks.order_process_many: one message builds and sends
    for ten placed orders).
    """
    messages: list[tuple] = []
    open_merge: dict[str, tuple] = {}  # task name → the message still taking calls
    for position, (task, args, _) in enumerate(batch):
        if not getattr(task, "merge_calls", False):
            messages.append((task, args, [position]))
            continue
        message = open_merge.get(task.name)
        if message is None or len(message[2]) == MERGED_PER_MESSAGE:
            message = open_merge[task.name] = (task, ([],), [])
            messages.append(message)
        message[1][0].extend(args[0])
        message[2].append(position)
    return messages


sender = TaskSender()


class SendAfterCommit:
    """The on-commit callback: hands `task(*args)` to the sender (or sends it right away)."""

    def __init__(self, task, args: tuple, *, background: bool):
        self.task, self.args, self.background = task, args, background
        # Django logs a failed robust callback by its __qualname__.
        self.__qualname__ = f"{task.name}.{'submit' if background else 'delay'}"

    def __call__(self) -> None:
        if self.background:
            sender.submit(self.task, self.args)
        else:
            self.task.delay(*self.args)


def send_after_commit(task, *args, background: bool = False) -> None:
    """Send a Celery task once the current transaction commits (at once outside one).

    `background=True` hands it to the sender thread instead of sending it in this thread:
    only for tasks a sweeper re-sends (see the module's docstring). A failed send is
    logged, never raised: the transaction has committed and the caller's answer stands.
    """
    transaction.on_commit(SendAfterCommit(task, args, background=background), robust=True)


@atexit.register
def _send_pending_on_exit() -> None:
    if not sender.flush(EXIT_FLUSH_SECONDS):
        logger.error("task sender: exiting with tasks not sent (a sweeper re-sends them)")
