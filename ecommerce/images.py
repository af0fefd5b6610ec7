"""The image types uploads accept, safe object keys, and the check of a landed object."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from rest_framework import serializers

from ecommerce.errors import DomainError
from ecommerce.fields import StrictCharField


@dataclass(frozen=True)
class ImageType:
    content_type: str
    extensions: tuple[str, ...]  # the first one is used when the file name has none of them
    matches: Callable[[bytes], bool]  # given the object's first bytes


IMAGE_TYPES: dict[str, ImageType] = {
    t.content_type: t
    for t in (
        ImageType("image/png", (".png",), lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
        ImageType("image/jpeg", (".jpg", ".jpeg"), lambda head: head.startswith(b"\xff\xd8\xff")),
        ImageType("image/gif", (".gif",), lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
        ImageType(
            "image/webp", (".webp",), lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"
        ),
    )
}
_TYPE_BY_EXTENSION = {ext: t for t in IMAGE_TYPES.values() for ext in t.extensions}
HEAD_BYTES = 16  # enough for every signature above


class InvalidUpload(DomainError):
    code = "invalid_upload"


_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._-]+")
MAX_STEM_LENGTH = 100


def safe_file_name(file_name: str, content_type: str) -> str:
    """The client's file name reduced to a safe basename with the declared type's extension.

    Directories are dropped (``../../x.png`` → ``x.png``), characters outside
    ``[A-Za-z0-9._-]`` become ``-``, leading dots go (no hidden files), the stem is capped
    and the extension is forced to match the declared type, so a key's extension always
    tells its declared type. A name with no file part at all (``..``, ``a/``) is refused.
    """
    image_type = image_type_for(content_type)
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    if not base.strip(". \t"):
        raise InvalidUpload("fileName has no file name part.")
    ascii_base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE_RUN.sub("-", ascii_base)
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot:
        stem, suffix = cleaned, ""
    extension = f".{suffix.lower()}"
    if extension not in image_type.extensions:
        if not stem.strip(".-_"):
            stem = cleaned  # ".htaccess": all of it is the name
        extension = image_type.extensions[0]
    stem = stem.strip(".-_")[:MAX_STEM_LENGTH].strip(".-_") or "image"
    return f"{stem}{extension}"


def new_key(file_name: str, content_type: str) -> str:
    """A server-chosen object key, ``<uuid4>/<safe-name>``: uploads never overwrite each other."""
    return f"{uuid.uuid4()}/{safe_file_name(file_name, content_type)}"


def image_type_for(content_type: str) -> ImageType:
    try:
        return IMAGE_TYPES[content_type]
    except KeyError:
        allowed = ", ".join(IMAGE_TYPES)
        raise InvalidUpload(f"fileType must be one of {allowed}.") from None


def declared_type(key: str) -> ImageType | None:
    """The type a key was issued for (keys always carry the declared type's extension)."""
    _, dot, extension = key.rpartition(".")
    return _TYPE_BY_EXTENSION.get(f".{extension.lower()}") if dot else None


class ImageUploadInput(serializers.Serializer):
    """The input every upload-url endpoint shares (apps add their own fields)."""

    fileName = StrictCharField(max_length=255)  # noqa: N815 - the API's camelCase
    fileType = serializers.ChoiceField(choices=list(IMAGE_TYPES))  # noqa: N815

    def validate(self, attrs):
        try:
            safe_file_name(attrs["fileName"], attrs["fileType"])
        except InvalidUpload as exc:
            raise serializers.ValidationError({"fileName": [exc.message]}) from None
        return attrs
