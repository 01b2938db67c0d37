"""Image files for upload tests, made with Pillow as a person's camera would."""

import struct
import zlib
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(size=(40, 30), *, format="PNG", colour="teal", mode="RGB", **save):
    out = BytesIO()
    Image.new(mode, size, colour).save(out, format, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    """A file as a browser sends it (name and type are the browser's claim)."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo_with_gps(size=(300, 200), *, orientation: int = 1) -> bytes:
    """A JPEG with a camera's EXIF: GPS position, maker, orientation."""
    image = Image.new("RGB", size, "orange")
    exif = image.getexif()
    exif[0x010F] = "Phone maker"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E"})
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Ann Example, Rungestrasse 20")
    return image_bytes(pnginfo=info)


def png_claiming(width: int, height: int) -> bytes:
    """A valid small PNG whose header claims width × height pixels (a bomb)."""
    data = bytearray(image_bytes((8, 8)))
    start = 8 + 8  # signature, then IHDR's length and type
    data[start : start + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12 : start + 13]))
    data[start + 13 : start + 17] = struct.pack(">I", crc)
    return bytes(data)


def decoded(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image
