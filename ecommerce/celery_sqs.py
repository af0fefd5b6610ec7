"""The Celery SQS transport (kombu's), with one fix: a failed poll does not kill the worker.

kombu 5.7.0 turns a ReceiveMessage that timed out, could not connect (curl's 599) or was
answered 500/502/503 into an empty *list* (kombu.asynchronous.aws.connection
`_on_list_ready`), but the SQS channel then reads it as a dict (`messages.get("Messages")`):
AttributeError, "Unrecoverable error", and the worker process exits, so any SQS hiccup
killed every worker. Here such a poll is an empty poll: the channel waits
`polling_interval` and polls again. Upstream: the SQS transport's recovery from failed
polls, https://github.com/celery/kombu/issues/1143. Selected in settings
(`CELERY_BROKER_TRANSPORT`) when the broker is SQS.
"""

from __future__ import annotations

from kombu.transport import SQS


class Channel(SQS.Channel):
    def _on_messages_ready(self, queue, qname, messages):
        if not isinstance(messages, dict):  # the transport's "failed poll, no messages"
            return 0
        return super()._on_messages_ready(queue, qname, messages)


class Transport(SQS.Transport):
    Channel = Channel
