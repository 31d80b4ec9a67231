"""The cover picture: the one the metadata names (made JPEG or PNG), or a plain generated one.

In: the book's Metadata. Out: JPEG or PNG bytes for the M4B's `covr` atom. A generated cover is a
1600x1600 PNG with the title and author in Pillow's bundled font, so it needs no system fonts.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..model import Metadata

if TYPE_CHECKING:  # Pillow is loaded where a cover is read or drawn: a rebuild takes its cover from the cache
    from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)
GENERATOR_VERSION = 1  # change when generated covers change, so cached ones are drawn again

SIZE = 1600  # Apple asks for at least 1400x1400; square
MAX_SIDE = 3000  # larger covers are scaled down: players show them small and every copy carries them
_BACKGROUND = (31, 38, 48)
_RULE = (176, 141, 87)
_TITLE = (244, 239, 228)
_AUTHOR = (206, 196, 178)
_MARGIN = 170


def cover_image(metadata: Metadata) -> bytes:
    """JPEG or PNG bytes: metadata.cover as given when it already is one, converted otherwise, else drawn."""
    if metadata.cover is None:
        return generated_cover(metadata.title, metadata.author)
    path = metadata.cover
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the cover image: {exc.strerror}",
            path=path,
            fix="check the `cover:` path in the metadata file",
        ) from exc
    return from_image_bytes(data, path)


def from_image_bytes(data: bytes, path: Path) -> bytes:
    """JPEG or PNG bytes of an image (`path` names where it came from, for the error message)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            kind = image.format
            if kind in ("JPEG", "PNG") and max(image.size) <= MAX_SIDE:
                return data
            return _encode(_fit(image), prefer_jpeg=kind == "JPEG" or image.mode in ("RGB", "CMYK", "L"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ConfigError(
            f"the cover is not an image Pillow can read ({exc})",
            path=path,
            fix="save the cover as a JPEG or PNG file, or remove `cover:` to get a generated one",
        ) from exc


def generated_cover(title: str, author: str) -> bytes:
    """A square PNG: the title large and the author smaller, each wrapped and centred, on a dark ground."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (SIZE, SIZE), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    width = SIZE - 2 * _MARGIN
    title_font, title_lines = _fit_text(
        draw, title.strip() or "Untitled", width=width, sizes=(150, 128, 110, 96, 84, 72, 60)
    )
    author_font, author_lines = _fit_text(draw, author.strip(), width=width, sizes=(84, 72, 60, 52, 44))
    title_gap, author_gap, rule_gap = 28, 20, 90
    title_h = _block_height(draw, title_lines, title_font, title_gap)
    author_h = _block_height(draw, author_lines, author_font, author_gap) if author_lines else 0
    total = title_h + (2 * rule_gap + author_h if author_lines else 0)
    top = (SIZE - total) // 2
    y = _draw_block(draw, title_lines, title_font, top=top, gap=title_gap, fill=_TITLE)
    if author_lines:
        rule_y = y + rule_gap - 3
        draw.rectangle((SIZE // 2 - 120, rule_y, SIZE // 2 + 120, rule_y + 6), fill=_RULE)
        _draw_block(draw, author_lines, author_font, top=y + 2 * rule_gap, gap=author_gap, fill=_AUTHOR)
    inset = 60
    draw.rectangle((inset, inset, SIZE - inset, SIZE - inset), outline=_RULE, width=4)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _fit_text(
    draw: ImageDraw.ImageDraw, text: str, *, width: int, sizes: tuple[int, ...]
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which `text` wraps into at most four lines of `width`, and those lines."""
    from PIL import ImageFont

    for size in sizes:
        font = ImageFont.load_default(size=size)
        lines = _wrap(draw, text, font, width)
        if len(lines) <= 4 and all(draw.textlength(line, font=font) <= width for line in lines):
            return font, lines
    return font, lines


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _line_height(draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont) -> int:
    # Measured on letters with ascenders and descenders, so every line of a block has the same height.
    _, top, _, bottom = draw.textbbox((0, 0), "Hgjy", font=font)
    return bottom - top


def _block_height(draw: ImageDraw.ImageDraw, lines: list[str], font: ImageFont.FreeTypeFont, gap: int) -> int:
    return len(lines) * _line_height(draw, font) + (len(lines) - 1) * gap


def _draw_block(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    *,
    top: int,
    gap: int,
    fill: tuple[int, int, int],
) -> int:
    """Draw centred lines from `top`; return the y just below the last."""
    height = _line_height(draw, font)
    y = top
    for line in lines:
        draw.text((SIZE // 2, y + height // 2), line, font=font, fill=fill, anchor="mm")
        y += height + gap
    return y - gap


def _fit(image: Image.Image) -> Image.Image:
    if max(image.size) > MAX_SIDE:
        image = image.copy()
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _encode(image: Image.Image, *, prefer_jpeg: bool) -> bytes:
    out = io.BytesIO()
    if prefer_jpeg:
        image.convert("RGB").save(out, format="JPEG", quality=90)
    else:
        image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB").save(
            out, format="PNG", optimize=True
        )
    return out.getvalue()
