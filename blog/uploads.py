"""Uploaded pictures: checked for what they really are, cleaned, and resized once at upload."""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

# What we accept, by what the file is (never by its name), and what each is stored as.
STORED_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "PNG", "WEBP": "WEBP"}
EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
DISPLAY_WIDTH = 1200
THUMBNAIL_BOX = (320, 320)


@dataclass(frozen=True)
class Rendition:
    file: ContentFile
    width: int
    height: int


def open_upload(upload):
    """The upload as a fully decoded Pillow image; ValidationError, with a message a person
    can act on, for anything that is not a sound JPEG, PNG, GIF or WebP within the limits."""
    limit_mb = settings.BLOG_IMAGE_MAX_BYTES // (1024 * 1024)
    if upload.size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if upload.size > settings.BLOG_IMAGE_MAX_BYTES:
        raise ValidationError(f"The file is larger than {limit_mb} MB.", code="too_big")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            image = Image.open(upload)
            if image.format not in STORED_FORMAT:
                raise ValidationError(
                    "Only JPEG, PNG, GIF and WebP pictures can be uploaded.", code="type"
                )
            width, height = image.size
            if width * height > settings.BLOG_IMAGE_MAX_PIXELS:
                raise ValidationError(
                    f"The picture is {width} by {height} pixels, more than the "
                    f"{settings.BLOG_IMAGE_MAX_PIXELS // 1_000_000} million allowed.",
                    code="too_many_pixels",
                )
            image.verify()
            upload.seek(0)
            image = Image.open(upload)
            image.load()  # decodes everything: a truncated file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError("The picture has too many pixels.", code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "The file is not a picture, or it is damaged. Upload a JPEG, PNG, GIF or WebP.",
            code="invalid",
        ) from None
    return image


def renditions(image):
    """The original (upright, without metadata), a display size and a thumbnail, encoded.
    At most two full-size bitmaps exist at once (the decoded upload and, for palette or
    alpha pictures, its conversion); the thumbnail is made from the display size."""
    stored_format = STORED_FORMAT[image.format]
    upright = ImageOps.exif_transpose(image, in_place=False) if _is_turned(image) else image
    upright.info = {}  # drops EXIF (GPS included), XMP, comments: nothing but pixels is kept
    if stored_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    if upright.mode == "P":
        upright = upright.convert("RGBA")
    original = _encode(upright, stored_format)
    display = upright
    if upright.width > DISPLAY_WIDTH:
        display = upright.resize(
            (DISPLAY_WIDTH, round(upright.height * DISPLAY_WIDTH / upright.width)),
            Image.Resampling.LANCZOS,
            reducing_gap=3.0,  # shrink in steps: faster, and no full-size float buffer
        )
    del upright, image
    thumbnail = ImageOps.contain(display, THUMBNAIL_BOX, Image.Resampling.LANCZOS)
    return {
        "original": original,
        "display": _encode(display, stored_format),
        "thumbnail": _encode(thumbnail, stored_format),
    }


def _is_turned(image):
    """Whether the camera's EXIF orientation asks for the picture to be turned."""
    return image.getexif().get(0x0112, 1) not in (None, 1)


def _encode(picture, stored_format):
    buffer = io.BytesIO()
    options = {"quality": 85, "optimize": True} if stored_format in ("JPEG", "WEBP") else {}
    picture.save(buffer, stored_format, **options)
    name = f"{uuid.uuid4().hex}.{EXTENSION[stored_format]}"
    return Rendition(ContentFile(buffer.getvalue(), name=name), picture.width, picture.height)


def upload_folder(instance, filename):
    """images/<yyyy>/<mm>/<random name>: names never come from the uploader."""
    return f"images/{timezone.now():%Y/%m}/{filename}"
