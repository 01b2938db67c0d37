"""Checking and re-encoding uploads (core.images), without a page around them."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from core.images import MAX_BYTES, Shape, process
from tests.images import (
    GPS_IFD,
    decoded,
    image_bytes,
    photo_with_gps,
    png_claiming,
    png_with_text,
)

COVER = Shape(1200, 675, "JPEG")
LOGO = Shape(256, 256, "PNG")


def _refusal(data: bytes, shape: Shape = COVER) -> str:
    with pytest.raises(ValidationError) as caught:
        process(BytesIO(data), shape)
    return " ".join(caught.value.messages)


def test_a_large_png_is_cropped_to_the_shape_and_scaled_down():
    result = process(BytesIO(image_bytes((2400, 2000))), COVER)

    image = decoded(result.content)
    assert (image.format, image.size) == ("JPEG", (1200, 675))
    assert (result.width, result.height, result.extension) == (1200, 675, "jpg")


def test_a_small_image_is_cropped_but_never_scaled_up():
    result = process(BytesIO(image_bytes((400, 300), format="WEBP")), COVER)

    assert decoded(result.content).size == (400, 225)


def test_a_logo_becomes_a_square_png():
    result = process(BytesIO(image_bytes((600, 300), format="JPEG")), LOGO)

    image = decoded(result.content)
    assert (image.format, image.size, result.extension) == ("PNG", (256, 256), "png")


def test_a_transparent_logo_stays_transparent_and_a_cover_gets_white():
    data = image_bytes((300, 300), mode="RGBA", colour=(0, 0, 0, 0))

    logo = decoded(process(BytesIO(data), LOGO).content)
    cover = decoded(process(BytesIO(data), COVER).content)

    assert (logo.mode, logo.getpixel((5, 5))) == ("RGBA", (0, 0, 0, 0))
    assert (cover.mode, cover.getpixel((5, 5))) == ("RGB", (255, 255, 255))


def test_camera_metadata_and_gps_are_dropped_and_the_photo_turned_upright():
    data = photo_with_gps((300, 200), orientation=6)  # 90° clockwise
    assert Image.open(BytesIO(data)).getexif().get_ifd(GPS_IFD)

    image = decoded(process(BytesIO(data), LOGO).content)

    assert image.size == (200, 200)
    assert dict(image.getexif()) == {}
    assert {"exif", "icc_profile"} & set(image.info) == set()


def test_png_text_chunks_are_dropped():
    image = decoded(process(BytesIO(png_with_text()), LOGO).content)

    assert "Author" not in image.info
    assert getattr(image, "text", {}) == {}


def test_text_named_like_an_image_is_refused():
    assert _refusal(b"<svg onload=alert(1)>not a picture</svg>") == (
        "This file is not a JPEG, PNG or WebP image."
    )


def test_other_image_formats_are_refused():
    assert _refusal(image_bytes(format="GIF")) == (
        "This file is not a JPEG, PNG or WebP image."
    )


def test_a_file_over_the_size_limit_is_refused_before_decoding():
    data = image_bytes() + b"\0" * MAX_BYTES

    assert _refusal(data) == "This file is 5.1 MB; an image can be at most 5 MB."


def test_too_many_pixels_are_refused_from_the_header():
    assert _refusal(png_claiming(6000, 5000)) == (
        "This image is 6000 × 5000 pixels; at most 25 million pixels are allowed."
    )


def test_a_decompression_bomb_beyond_pillows_own_limit_is_refused():
    assert _refusal(png_claiming(100_000, 100_000)) == (
        "This image has too many pixels; at most 25 million are allowed."
    )


def test_a_truncated_image_is_refused():
    data = image_bytes((300, 300), format="JPEG")

    assert _refusal(data[: len(data) // 2]) == (
        "This image could not be read; the file may be damaged."
    )
