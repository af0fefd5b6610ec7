"""Emails as the services queue them (ecommerce.Email), shaped like the SES record
(tests.conftest.sent_emails) so that a test can read either."""

from ecommerce.models import Email


def queued_emails(to: str) -> list[dict]:
    return [
        {
            "subject": email.subject,
            "body": email.body,
            "destinations": {"ToAddresses": [email.to]},
            "key": email.key,
        }
        for email in Email.objects.filter(to=to).order_by("id")
    ]
