from django.conf import settings
from django.db import models
from django.utils import timezone

from orders.models import MAX_QUANTITY


class Cart(models.Model):
    """A signed-in user's basket, kept on the server so it follows the user across devices.

    `version` counts the changes the user made to its lines; checking out empties the basket
    without counting, so a checkout retried with its Idempotency-Key (cart.services) finds
    the basket as that checkout left it and replays. Nothing is reserved before checkout.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="cart"
    )
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)  # any change, checkout included

    def __str__(self) -> str:
        return f"basket of {self.user_id}"


class CartLine(models.Model):
    """One product in a basket, in the quantity wanted. Its price and availability are read
    from the product when shown, never copied."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    # A deleted product leaves the baskets it was in.
    product = models.ForeignKey("products.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_one_line_per_product"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_QUANTITY),
                name="cart_line_quantity_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"
