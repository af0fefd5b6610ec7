"""The products' domain errors (each leaves as the API's error shape, ecommerce/errors.py)."""

from ecommerce.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"

    def __init__(self, message: str = "No such product.", **kwargs):
        super().__init__(message, **kwargs)


class InsufficientStock(Conflict):
    """Fewer items in stock than asked for; `available` is in the error body."""

    code = "insufficient_stock"

    def __init__(self, *, available: int, requested: int):
        super().__init__(
            f"Only {available} in stock, {requested} requested.",
            extra={"available": available},
        )
        self.available = available


class ReviewRefused(Conflict):
    """The product's state does not allow this decision."""


class ImageMissing(ReviewRefused):
    code = "image_missing"


class AlreadyApproved(ReviewRefused):
    code = "already_approved"
