"""The products' domain errors (each leaves as the API's error shape, ecommerce/errors.py)."""

import uuid
from dataclasses import dataclass

from ecommerce.errors import Conflict, DomainError, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"

    def __init__(self, message: str = "No such product.", **kwargs):
        super().__init__(message, **kwargs)


@dataclass(frozen=True)
class Shortfall:
    """One product with fewer items in stock than asked for."""

    product_id: uuid.UUID
    requested: int
    available: int


class InsufficientStock(Conflict):
    """Fewer items in stock than asked for, for every product in `lines` (each with what was
    requested and what is available); `available` too when only one product is short (the
    original API's one-product answer)."""

    code = "insufficient_stock"

    def __init__(self, *, lines: list[Shortfall]):
        extra: dict = {
            "lines": [
                {"productId": str(s.product_id), "requested": s.requested, "available": s.available}
                for s in lines
            ]
        }
        if len(lines) == 1:
            extra["available"] = lines[0].available
            message = f"Only {lines[0].available} in stock, {lines[0].requested} requested."
        else:
            message = f"Not enough in stock for {len(lines)} products."
        super().__init__(message, extra=extra)
        self.lines = lines


class ProductUnavailable(Conflict):
    """Products asked for that are not for sale (unknown, or not approved); `productIds`
    names them."""

    code = "product_unavailable"

    def __init__(self, *, product_ids: list[uuid.UUID]):
        super().__init__(
            f"{len(product_ids)} of the products asked for are not for sale.",
            extra={"productIds": [str(product_id) for product_id in product_ids]},
        )
        self.product_ids = product_ids


class StockLimit(Conflict):
    """Adding would take the stock past the most a product may hold."""

    code = "stock_limit"

    def __init__(self, *, quantity: int, limit: int):
        super().__init__(
            f"The stock is {quantity}; a product holds at most {limit}.",
            extra={"quantity": quantity, "max": limit},
        )


class ReviewRefused(Conflict):
    """The product's state does not allow this decision."""


class ImageMissing(ReviewRefused):
    code = "image_missing"


class AlreadyApproved(ReviewRefused):
    code = "already_approved"


class NoRevisionPending(ReviewRefused):
    code = "no_revision_pending"


class RevisionDecided(ReviewRefused):
    code = "revision_decided"


class RevisionChanged(ReviewRefused):
    code = "revision_changed"


class ImageNotFound(NotFound):
    code = "image_not_found"

    def __init__(self, message: str = "The product has no such image.", **kwargs):
        super().__init__(message, **kwargs)


class TooManyImages(Conflict):
    code = "too_many_images"


class LastImage(Conflict):
    """The only image of an approved product cannot go: the catalogue shows it."""

    code = "last_image"


class ImagesMismatch(DomainError):
    """An image order that does not name every image of the product exactly once."""

    code = "invalid"

    def __init__(self, message: str):
        super().__init__("Invalid input.", extra={"fields": {"imageIds": [message]}})
