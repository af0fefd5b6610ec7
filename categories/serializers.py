import unicodedata

from rest_framework import serializers

from ecommerce.fields import StrictCharField
from ecommerce.images import ImageUploadInput

# Reserved: DELETE /categories/<name> must not collide with the upload-url route.
RESERVED_NAMES = {"upload-url"}


class CategoryUploadInput(ImageUploadInput):
    categoryName = StrictCharField(max_length=100)  # noqa: N815 - the old API's keys

    def validate_categoryName(self, value: str) -> str:  # noqa: N802
        if "/" in value or any(unicodedata.category(ch).startswith("C") for ch in value):
            raise serializers.ValidationError("May not contain '/' or control characters.")
        if value.lower() in RESERVED_NAMES:
            raise serializers.ValidationError("This name is reserved.")
        return value


class CategoryUploadOutput(serializers.Serializer):
    uploadUrl = serializers.URLField()  # noqa: N815
    categoryName = serializers.CharField()  # noqa: N815


class CategoryOutput(serializers.Serializer):
    categoryName = serializers.CharField(source="name")  # noqa: N815
    imageUrl = serializers.URLField(source="image_url")  # noqa: N815
