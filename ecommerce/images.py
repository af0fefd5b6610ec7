"""The image types uploads accept, safe object keys, and the check of a landed object."""

from __future__ import annotations

import io
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import RegexValidator
from PIL import ExifTags, Image, UnidentifiedImageError
from rest_framework import serializers

from ecommerce import storage
from ecommerce.errors import DomainError
from ecommerce.fields import StrictCharField


@dataclass(frozen=True)
class ImageType:
    content_type: str
    extensions: tuple[str, ...]  # the first one is used when the file name has none of them
    pillow_format: str  # what Pillow calls the format when it decodes the content


IMAGE_TYPES: dict[str, ImageType] = {
    t.content_type: t
    for t in (
        ImageType("image/png", (".png",), "PNG"),
        ImageType("image/jpeg", (".jpg", ".jpeg"), "JPEG"),
        ImageType("image/gif", (".gif",), "GIF"),
        ImageType("image/webp", (".webp",), "WEBP"),
    )
}
_TYPE_BY_EXTENSION = {ext: t for t in IMAGE_TYPES.values() for ext in t.extensions}


class InvalidUpload(DomainError):
    code = "invalid_upload"


_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._-]+")
# A file name's last part (after "/" or "\\") must have something besides dots, spaces and
# tabs: checked by the upload input (so the schema has it) and by safe_file_name.
HAS_FILE_PART = RegexValidator(r"[^/\\. \t][^/\\]*\Z", "fileName has no file name part.")
MAX_STEM_LENGTH = 100


def safe_file_name(file_name: str, content_type: str) -> str:
    """The client's file name reduced to a safe basename with the declared type's extension.

    Directories are dropped (``../../x.png`` → ``x.png``), characters outside
    ``[A-Za-z0-9._-]`` become ``-``, leading dots go (no hidden files), the stem is capped
    and the extension is forced to match the declared type, so a key's extension always
    tells its declared type. A name with no file part at all (``..``, ``a/``) is refused.
    """
    image_type = image_type_for(content_type)
    if not HAS_FILE_PART.regex.search(file_name):
        raise InvalidUpload(HAS_FILE_PART.message)
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
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

    fileName = StrictCharField(max_length=255, validators=[HAS_FILE_PART])  # noqa: N815
    fileType = serializers.ChoiceField(choices=list(IMAGE_TYPES))  # noqa: N815


class ImageRefused(Exception):
    """A landed object is not an acceptable image; the message says why."""


def checked_image(data: bytes, image_type: ImageType) -> Image.Image:
    """`data` decoded as an image of `image_type` (its first frame's pixels loaded), or
    ImageRefused. Decided by decoding it (Pillow), not by its first bytes: a valid header
    followed by anything else (HTML, say) fails, and so does a truncated image; an image over
    UPLOAD_MAX_PIXELS is refused before its pixels are decoded (a decompression bomb)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != image_type.pillow_format:
                raise ImageRefused(f"content is {image.format}, declared {image_type.content_type}")
            width, height = image.size
            if width * height > settings.UPLOAD_MAX_PIXELS:
                raise ImageRefused(
                    f"image is {width}x{height} pixels; "
                    f"the limit is {settings.UPLOAD_MAX_PIXELS} pixels"
                )
            image.load()  # every pixel of the first frame: a truncated image fails here
            return image
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ImageRefused(f"content is not a valid {image_type.content_type} image") from None


@dataclass(frozen=True)
class Rendition:
    size: int  # the preset: the long side at most this many pixels
    width: int
    height: int
    data: bytes


RENDITION_TYPE = "image/webp"


def rendition_key(key: str, size: int) -> str:
    """Where the rendition of the object at `key` is stored, beside it. "@" never appears in
    an upload key (safe_file_name), so a rendition's key is never an upload's."""
    return f"{key}@{size}.webp"


def rendition_source(key: str) -> str | None:
    """The original's key when `key` is a rendition's, else None."""
    source, at, suffix = key.rpartition("@")
    return source if at and re.fullmatch(r"\d+\.webp", suffix) else None


def renditions(image: Image.Image, sizes: tuple[int, ...]) -> list[Rendition]:
    """WebP renditions of a decoded image, one per preset size (the long side), never
    upscaled, turned upright by its EXIF orientation, with no metadata (no EXIF, no ICC
    profile, no comments: only pixels are copied into the new files). Each is shrunk from
    the next larger one, and turned once small (the presets are square bounds, so turning
    does not change which size fits)."""
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    source = image if image.mode == mode else image.convert(mode)
    made = []
    for size in sorted(sizes, reverse=True):
        source.thumbnail((size, size), Image.Resampling.LANCZOS)  # in place; shrinks only
        upright = _upright(source, orientation)
        out = io.BytesIO()
        upright.save(out, format="WEBP", quality=82, method=4)
        made.append(Rendition(size, upright.width, upright.height, out.getvalue()))
    return sorted(made, key=lambda rendition: rendition.size)


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    """`image` turned as EXIF `orientation` says (1: as it is), with no metadata."""
    image.info = {}
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation)
    return image.transpose(method) if method is not None else image


def write_renditions(bucket: str, key: str, image: Image.Image, sizes: tuple[int, ...]) -> list:
    """Write the renditions of a checked image beside it; returns what its record lists of
    them: [{"size", "width", "height", "url"}]."""
    written = []
    for made in renditions(image, sizes):
        target = rendition_key(key, made.size)
        storage.write(bucket, target, made.data, RENDITION_TYPE)
        written.append(
            {
                "size": made.size,
                "width": made.width,
                "height": made.height,
                "url": storage.public_url(bucket, target),
            }
        )
    return written
