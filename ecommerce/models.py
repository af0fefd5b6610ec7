"""The shared plumbing's own rows: emails to users."""

from django.db import models
from django.utils import timezone

from ecommerce.duework import DueWork


class Email(DueWork):
    """One email to a user, at most once per `key` (ecommerce/email.py).

    `claimed_at` is the claim of the sender working on it (and its fencing token); `sent_at`
    is set just before the request to SES goes out, and from then on the email is never
    sent again; `ses_message_id` completes it. `failed_reason`: SES refused it, or the
    tries ran out. Due work (ecommerce/duework.py) until sent or failed.
    """

    due_task = "ecommerce.tasks.emails_send"
    lease_setting = "EMAIL_LEASE_SECONDS"

    key = models.CharField(max_length=200, unique=True)  # e.g. "order:<id>:confirmation"
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    ses_message_id = models.CharField(max_length=100, blank=True)
    failed_reason = models.CharField(max_length=500, blank=True)

    class Meta(DueWork.Meta):
        pass

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
