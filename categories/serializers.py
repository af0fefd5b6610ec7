from django.core.validators import RegexValidator
from rest_framework import serializers

from ecommerce.fields import StrictCharField
from ecommerce.images import ImageUploadInput

# Reserved: DELETE /categories/<name> must not collide with the upload-url route.
RESERVED_NAMES = {"upload-url"}


def _any_case(name: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in name)


# A name is a path segment (DELETE /categories/<name>): no "/" and no control character.
NAME_CHARACTERS = RegexValidator(
    r"^[^/\x00-\x1f\x7f-\x9f]*\Z", "May not contain '/' or control characters."
)
NOT_RESERVED = RegexValidator(
    "^(?!(?:" + "|".join(map(_any_case, sorted(RESERVED_NAMES))) + r")\Z)",
    "This name is reserved.",
)


class CategoryUploadInput(ImageUploadInput):
    categoryName = StrictCharField(  # noqa: N815 - the old API's keys
        max_length=100, validators=[NAME_CHARACTERS, NOT_RESERVED]
    )


class CategoryUploadOutput(serializers.Serializer):
    uploadUrl = serializers.URLField()  # noqa: N815
    categoryName = serializers.CharField()  # noqa: N815


class CategoryOutput(serializers.Serializer):
    categoryName = serializers.CharField(source="name")  # noqa: N815
    imageUrl = serializers.URLField(source="image_url")  # noqa: N815
