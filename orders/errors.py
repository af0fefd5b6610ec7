"""The orders' domain errors (each leaves as the API's error shape, ecommerce/errors.py)."""

from ecommerce.errors import Conflict, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self, message: str = "No such order.", **kwargs):
        super().__init__(message, **kwargs)


class OrderNotCancellable(Conflict):
    code = "order_not_cancellable"

    def __init__(self, *, status: str):
        super().__init__(
            f"The order is {status}: only pending or processing orders can be cancelled.",
            extra={"status": status},
        )
        self.status = status


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"

    def __init__(self):
        super().__init__("This Idempotency-Key was already used with a different request body.")


class MalformedMessage(ValueError):
    """An order workflow message without a valid orderId (it ends in the dead-letter queue)."""
