from django.urls import path

from cart import api

# Included at "" by ecommerce/urls.py: full paths here.
urlpatterns = [
    path("cart", api.CartView.as_view(), name="cart"),
    path("cart/lines/<uuid:product_id>", api.CartLineView.as_view(), name="cart-line"),
    path("cart/checkout", api.CartCheckoutView.as_view(), name="cart-checkout"),
]
