from django.core.validators import RegexValidator
from rest_framework import serializers

from ecommerce.fields import StrictCharField
from ecommerce.images import ImageUploadInput

# Reserved: DELETE /categories/<name> must not collide with the upload-url route.
RESERVED_NAMES = {"upload-url"}


def _any_case(name: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in name)


# A name is a path segment (DELETE /categories/<name>) shown to staff and shoppers: no "/",
# and none of the Basic Multilingual Plane's control, format or private-use characters
# (Unicode categories Cc, Cf, Co: bidi overrides and zero-width characters among them),
# listed so that the schema's pattern says exactly this. Surrogates are refused by every
# string field (DRF), and left out here: a pattern holding them breaks schema validators.
NAME_CHARACTERS = RegexValidator(
    r"^[^/\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ue000-\uf8ff\ufeff\ufff9-\ufffb]*\Z",
    "May not contain '/' or control characters.",
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
