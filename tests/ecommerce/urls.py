"""A tiny JSON endpoint for testing the cross-cutting error handling."""

from django.urls import path
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response


class EchoSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=10)


@api_view(["POST"])
def echo(request):
    serializer = EchoSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return Response(serializer.validated_data)


urlpatterns = [path("echo", echo)]
