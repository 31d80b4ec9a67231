"""Covers: a given JPEG/PNG passes through untouched, other formats are converted, unreadable files are
refused by name, and the generated cover is a square PNG with its text centred inside the margins."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from pipeline.errors import ConfigError
from pipeline.m4b.cover import MAX_SIDE, SIZE, cover_image, generated_cover
from pipeline.model import Metadata

BOOK = Metadata(title="On the Kirov Assassination", author="Leon Trotsky")


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _ink(image: Image.Image) -> tuple[int, int, int, int]:
    """Bounding box of the text: everything differing from the background, inside the frame."""
    inner = image.convert("RGB").crop((100, 100, SIZE - 100, SIZE - 100))
    ground = Image.new("RGB", inner.size, inner.getpixel((0, 0)))
    left, top, right, bottom = ImageChops.difference(inner, ground).getbbox()
    return left + 100, top + 100, right + 100, bottom + 100


def test_generated_cover_is_a_square_png():
    image = _open(cover_image(BOOK))
    assert (image.format, image.size, image.mode) == ("PNG", (SIZE, SIZE), "RGB")
    assert SIZE >= 1400


def test_generated_text_is_centred():
    left, top, right, bottom = _ink(_open(generated_cover(BOOK.title, BOOK.author)))
    assert abs((left + right) / 2 - SIZE / 2) < SIZE * 0.02
    assert abs((top + bottom) / 2 - SIZE / 2) < SIZE * 0.03


@pytest.mark.parametrize(
    ("title", "author"),
    [
        (
            "A Very Long Title That Goes On And On About The Nature Of Political Assassinations In The USSR",
            "X",
        ),
        ("Short", "An Author With A Remarkably Long Name, Translated By Several People At Once"),
        ("Untitled", ""),
    ],
)
def test_long_text_wraps_inside_the_margins(title, author):
    left, top, right, bottom = _ink(_open(generated_cover(title, author)))
    assert left >= 150 and right <= SIZE - 150
    assert top >= 150 and bottom <= SIZE - 150


def test_generated_cover_is_deterministic():
    assert generated_cover("T", "A") == generated_cover("T", "A")


def test_different_titles_give_different_covers():
    assert generated_cover("One", "A") != generated_cover("Two", "A")


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_a_jpeg_or_png_cover_is_used_as_is(tmp_path, kind):
    path = tmp_path / f"cover.{kind.lower()}"
    Image.new("RGB", (1400, 1400), (200, 30, 30)).save(path, format=kind)
    assert cover_image(Metadata(title="T", author="A", cover=path)) == path.read_bytes()


@pytest.mark.parametrize(
    ("kind", "mode", "expected"),
    [("BMP", "RGB", "JPEG"), ("WEBP", "RGB", "JPEG"), ("WEBP", "RGBA", "PNG"), ("TIFF", "RGB", "JPEG")],
)
def test_other_formats_are_converted(tmp_path, kind, mode, expected):
    path = tmp_path / f"cover.{kind.lower()}"
    Image.new(mode, (1500, 1500), (10, 120, 200, 128)[: len(mode)]).save(path, format=kind)
    image = _open(cover_image(Metadata(title="T", author="A", cover=path)))
    assert (image.format, image.size) == (expected, (1500, 1500))


def test_a_huge_cover_is_scaled_down(tmp_path):
    path = tmp_path / "huge.jpg"
    Image.new("RGB", (4000, 3000), (0, 0, 0)).save(path, format="JPEG")
    image = _open(cover_image(Metadata(title="T", author="A", cover=path)))
    assert (image.format, image.size) == ("JPEG", (MAX_SIDE, 2250))


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\xff\xd8\xff\xe0 truncated jpeg"])
def test_an_unreadable_cover_is_refused_by_name(tmp_path, content):
    path = tmp_path / "cover.jpg"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="not an image Pillow can read") as caught:
        cover_image(Metadata(title="T", author="A", cover=path))
    assert caught.value.path == path
    assert str(path) in str(caught.value)


def test_a_missing_cover_is_refused_by_name(tmp_path):
    path = tmp_path / "nowhere.png"
    with pytest.raises(ConfigError, match="cannot read the cover image") as caught:
        cover_image(Metadata(title="T", author="A", cover=path))
    assert caught.value.path == Path(path)
