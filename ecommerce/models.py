"""The shared plumbing's own rows: the outbox of Celery tasks, and emails to users."""

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A Celery task for one item, recorded in the transaction of the change that causes it
    and sent by the relay once due (ecommerce/outbox.py)."""

    task = models.CharField(max_length=200)  # the Celery task's name; it takes a list of items
    item = models.CharField(max_length=64)
    due_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["due_at", "id"], name="ecommerce_outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.task}({self.item})"


class Email(models.Model):
    """One email to a user, at most once per `key` (ecommerce/email.py).

    `claimed_at` is the claim of the sender working on it (and its fencing token); `sent_at`
    is set just before the request to SES goes out, and from then on the email is never
    sent again; `ses_message_id` completes it. `failed_reason`: SES refused it, or the
    retries ran out.
    """

    key = models.CharField(max_length=200, unique=True)  # e.g. "order:<id>:confirmation"
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # Last time it was handed to the worker: the sweeper's "stuck since".
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)  # sends that met an SES outage
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    ses_message_id = models.CharField(max_length=100, blank=True)
    failed_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            # The sweeper: emails neither sent nor failed, by age; the partial index stays small.
            models.Index(
                fields=["queued_at"],
                condition=models.Q(sent_at__isnull=True, failed_reason=""),
                name="ecommerce_email_unsent_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    @property
    def state(self) -> str:
        if self.ses_message_id:
            return "sent"
        if self.failed_reason:
            return f"failed: {self.failed_reason}"
        if self.sent_at:
            return "sending, or outcome unknown"  # never sent again either way
        return "queued"
