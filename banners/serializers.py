from rest_framework import serializers

from ecommerce.images import ImageUploadInput


class BannerUploadInput(ImageUploadInput):
    pass


class BannerUploadOutput(serializers.Serializer):
    uploadURL = serializers.URLField()  # noqa: N815 - the old API's key (sic)
    bannerId = serializers.UUIDField()  # noqa: N815


class BannerOutput(serializers.Serializer):
    id = serializers.UUIDField()
    imageUrl = serializers.URLField(source="image_url")  # noqa: N815
    uploadedAt = serializers.DateTimeField(source="uploaded_at")  # noqa: N815


class BannerListOutput(serializers.Serializer):
    banners = BannerOutput(many=True)
