"""The basket's domain errors (each leaves as the API's error shape, ecommerce/errors.py)."""

from ecommerce.errors import Conflict, DomainError
from orders.models import MAX_LINES


class CartEmpty(DomainError):
    code = "cart_empty"

    def __init__(self):
        super().__init__("The basket is empty: there is nothing to check out.")


class CartFull(Conflict):
    code = "cart_full"

    def __init__(self):
        super().__init__(f"A basket holds at most {MAX_LINES} products.")
