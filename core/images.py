"""Uploaded images: checked, re-encoded and resized before anything is stored.

An upload is decoded with Pillow, trying only the JPEG, PNG and WebP decoders
(the file name and the browser's content type are never trusted). It is
refused when the file is larger than MAX_BYTES or has more than MAX_PIXELS
pixels, which is checked from the header before the pixels are decoded (a
small PNG can claim 100,000 × 100,000 pixels: a decompression bomb). Then it is
turned upright by its EXIF orientation, cropped to the shape's aspect ratio,
scaled down (never up) and written anew, as JPEG or PNG, from the pixels
alone: no EXIF (camera, GPS position), ICC profile or text chunk survives.

Files are stored through Django's storage API (`default_storage`: a folder
on this machine, or a bucket with django-storages, see docs/deploy.md) under a
fresh random name each time, so a URL never shows another image and can be
cached for ever. The file an image replaces is deleted once the transaction
that replaced it commits; files nobody uses any more (a rolled-back upload, a
group or event deleted in the admin) are swept by `orphans_step`, which the
apps' housekeeping modules return.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from typing import IO, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .housekeeping import Step

MAX_BYTES = 5 * 1024 * 1024
# 25 million pixels: a 6,000 × 4,000 photo fits. Decoded as RGBA that is
# 100 MB, which a small server can afford for one upload at a time.
MAX_PIXELS = 25_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPT = "image/jpeg,image/png,image/webp"
ALT_MAX_LENGTH = 250
# An upload commits within seconds: a file younger than this may belong to a
# transaction still open, so the sweep leaves it for the next night.
ORPHAN_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Shape:
    """What an upload becomes: at most width × height pixels, in that aspect."""

    width: int
    height: int
    format: str  # "JPEG" (opaque, photos) or "PNG" (keeps transparency)

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "JPEG" else "png"


@dataclass(frozen=True)
class ProcessedImage:
    """A re-encoded image, ready to store."""

    content: bytes
    width: int
    height: int
    extension: str


def _megabytes(size: int) -> str:
    """Megabytes to one decimal, rounded up (so 5 MB and a byte is "5.1")."""
    tenths = math.ceil(size * 10 / (1024 * 1024))
    return f"{tenths / 10:.1f}".removesuffix(".0")


def process(file: IO[bytes], shape: Shape) -> ProcessedImage:
    """Decode, check and re-encode an upload; ValidationError if it is refused."""
    size = getattr(file, "size", None)
    if size is None:
        size = file.seek(0, 2)
    if size > MAX_BYTES:
        raise ValidationError(
            _("This file is %(size)s MB; an image can be at most %(limit)s MB."),
            params={"size": _megabytes(size), "limit": _megabytes(MAX_BYTES)},
            code="too_large",
        )
    file.seek(0)
    try:
        image = Image.open(file, formats=FORMATS)
    except Image.DecompressionBombError:
        raise _too_many_pixels(None) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(
            _("This file is not a JPEG, PNG or WebP image."), code="not_an_image"
        ) from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise _too_many_pixels((width, height))
        try:
            # JPEG decodes at 1/2, 1/4 or 1/8 scale when that is still large
            # enough, which saves most of the memory for big photos.
            longest = max(shape.width, shape.height)
            image.draft("RGB", (longest, longest))
            image.load()
            return _encode(image, shape)
        except (OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError(
                _("This image could not be read; the file may be damaged."),
                code="damaged",
            ) from None


def _too_many_pixels(size: tuple[int, int] | None) -> ValidationError:
    limit = _("%(millions)s million") % {"millions": MAX_PIXELS // 1_000_000}
    if size is None:
        return ValidationError(
            _("This image has too many pixels; at most %(limit)s are allowed."),
            params={"limit": limit},
            code="too_many_pixels",
        )
    return ValidationError(
        _(
            "This image is %(width)s × %(height)s pixels; at most %(limit)s "
            "pixels are allowed."
        ),
        params={"width": size[0], "height": size[1], "limit": limit},
        code="too_many_pixels",
    )


def _encode(image: Image.Image, shape: Shape) -> ProcessedImage:
    image = ImageOps.exif_transpose(image)
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    # Resampling works in RGB(A); palette and other modes would resize badly.
    pixels = image.convert("RGBA" if alpha else "RGB")
    pixels = ImageOps.fit(
        pixels, _target_size(pixels.size, shape), method=Image.Resampling.LANCZOS
    )
    # A fresh image holds the pixels only: `info` (EXIF, ICC profile, text
    # chunks, comments) is not carried over, so the encoder writes none of it.
    if shape.format == "JPEG":
        clean = Image.new("RGB", pixels.size, "white")
        clean.paste(pixels, mask=pixels if alpha else None)
    else:
        clean = Image.new(pixels.mode, pixels.size)
        clean.paste(pixels)
    out = BytesIO()
    if shape.format == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return ProcessedImage(
        content=out.getvalue(),
        width=clean.width,
        height=clean.height,
        extension=shape.extension,
    )


def _target_size(size: tuple[int, int], shape: Shape) -> tuple[int, int]:
    """The largest size of the shape's aspect within both the image and the shape."""
    width, height = size
    scale = min(1.0, width / shape.width, height / shape.height)
    return max(1, round(shape.width * scale)), max(1, round(shape.height * scale))


class UploadedImageField(forms.FileField):
    """A file input whose cleaned value is a `ProcessedImage` (or None)."""

    widget = forms.FileInput(attrs={"accept": ACCEPT})

    def __init__(self, *, shape: Shape, **kwargs: Any) -> None:
        self.shape = shape
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> ProcessedImage | None:
        upload = super().clean(data, initial)
        if not upload:
            return None
        return process(upload, self.shape)


class ImageForm(forms.Form):
    """An image and its alt text. Subclasses set `shape` and the labels.

    The file is required unless one is stored already (`has_image`), when the
    form may change the alt text alone. Alt text is required with any image.
    """

    shape: Shape
    image_label = _("Image")
    alt_label = _("Description of the image (alt text)")
    alt_help = _("What the image shows, for people who cannot see it.")

    alt = forms.CharField(max_length=ALT_MAX_LENGTH, required=False)

    def __init__(self, *args: Any, has_image: bool = False, **kwargs: Any) -> None:
        from .validators import validate_single_line

        super().__init__(*args, **kwargs)
        self.has_image = has_image
        image = UploadedImageField(
            shape=self.shape,
            label=self.image_label,
            required=False,
            help_text=_(
                "JPEG, PNG or WebP, up to %(limit)s MB. It is cropped to "
                "%(width)s × %(height)s pixels (smaller images stay smaller)."
            )
            % {
                "limit": _megabytes(MAX_BYTES),
                "width": self.shape.width,
                "height": self.shape.height,
            },
        )
        self.fields = {"image": image, **self.fields}
        alt = self.fields["alt"]
        alt.label, alt.help_text = self.alt_label, self.alt_help
        alt.validators.append(validate_single_line)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.has_error("image") or self.has_error("alt"):
            return cleaned
        image, alt = cleaned.get("image"), cleaned.get("alt", "")
        if image is None and not self.has_image:
            if alt:
                self.add_error("image", _("Choose an image for this description."))
        elif not alt:
            self.add_error(
                "alt", _("Describe the image for people who cannot see it (alt text).")
            )
        return cleaned


def image_store(
    instance: Any, field: str, *, image: ProcessedImage | None, alt: str
) -> list[str]:
    """Set an image field (and its `_width`, `_height`, `_alt`); not saved.

    With `image` None the stored file stays and only the alt text changes.
    A new file is written at once, under a fresh random name; the one it
    replaces is deleted when the current transaction commits, so a rolled-back
    change never leaves a row whose file is gone. Returns the changed fields.
    """
    if image is not None:
        old: FieldFile = getattr(instance, field)
        old_name = old.name
        name = f"{secrets.token_hex(16)}.{image.extension}"
        old.save(name, ContentFile(image.content), save=False)
        setattr(instance, f"{field}_width", image.width)
        setattr(instance, f"{field}_height", image.height)
        _delete_on_commit(old_name)
    setattr(instance, f"{field}_alt", alt)
    return [field, f"{field}_width", f"{field}_height", f"{field}_alt"]


def image_remove(instance: Any, field: str) -> list[str]:
    """Empty an image field; its file is deleted on commit. Returns the fields."""
    _delete_on_commit(getattr(instance, field).name)
    setattr(instance, field, "")
    for suffix, empty in (("_width", None), ("_height", None), ("_alt", "")):
        setattr(instance, f"{field}{suffix}", empty)
    return [field, f"{field}_width", f"{field}_height", f"{field}_alt"]


def _delete_on_commit(name: str | None) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def orphans(*, folder: str, in_use: set[str], before: datetime) -> list[str]:
    """Files in a storage folder that no row names, written before `before`."""
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" for name in sorted(files)]
    return [
        name
        for name in names
        if name not in in_use and default_storage.get_modified_time(name) < before
    ]


def orphans_step(name: str, *, folder: str, in_use, now: datetime) -> Step:
    """A housekeeping step deleting the folder's unused files (`in_use()`: names)."""

    def found() -> list[str]:
        return orphans(folder=folder, in_use=set(in_use()), before=now - ORPHAN_GRACE)

    def clean() -> int:
        names = found()
        for orphan in names:
            default_storage.delete(orphan)
        return len(names)

    return Step(name, lambda: len(found()), clean)


def generated(text: str, *, size: tuple[int, int], colours: tuple[str, str]) -> BytesIO:
    """A PNG with `text` on a two-colour gradient: the demo's images."""
    top, bottom = (Image.new("RGB", size, colour) for colour in colours)
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(bottom, top, mask)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size[1] // 3)
    width = font.getlength(text)
    if width > size[0] * 0.8:  # shrink long text to fit, with a margin
        font = ImageFont.load_default(size=size[1] // 3 * size[0] * 0.8 / width)
    draw.text((size[0] / 2, size[1] / 2), text, fill="white", font=font, anchor="mm")
    out = BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out
