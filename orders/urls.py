from django.urls import path

from orders import api

# Included at "" by ecommerce/urls.py: full paths here.
urlpatterns = [
    path("orders/create-order", api.OrderCreateView.as_view(), name="order-create"),
    path("orders", api.OrderListView.as_view(), name="order-list"),
    path("orders/<uuid:order_id>", api.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<uuid:order_id>/cancel", api.OrderCancelView.as_view(), name="order-cancel"),
]
