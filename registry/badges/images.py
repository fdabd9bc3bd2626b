"""The badge images: SVG and PNG, the same layout. The registry's mark, the public name
(or "Unlisted signatory"), the Principles version, the status in words and colour, and a
QR code of the verification URL.

Rendered once per change of what they show (services.py keeps them), never per request.
Text widths are measured with the bundled DejaVu Sans, which the SVG names first.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode
from markupsafe import escape
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

FONTS = Path(__file__).parent / "fonts"
WIDTH, HEIGHT = 400, 132
QR_SIZE = 116
TEXT_X = 136
TEXT_WIDTH = WIDTH - TEXT_X - 12
MARK_BLUE = "#1d4e89"
FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"

# Words and colours of each status; every colour keeps white text above 4.5:1 contrast.
STATUS_LOOK: dict[str, tuple[str, str]] = {
    "active": ("ACTIVE", "#1a7f37"),
    "superseded": ("ACTIVE · NEW VERSION IN FORCE", "#8a5a00"),
    "suspended": ("SUSPENDED", "#b35900"),
    "lapsed": ("LAPSED", "#57606a"),
    "revoked": ("REVOKED", "#cf222e"),
    "withdrawn": ("WITHDRAWN", "#424a53"),
}


@dataclass(frozen=True)
class Shown:
    """What a badge image shows."""

    name: str | None  # None: unlisted
    version: str
    status: str
    verify_url: str

    @property
    def label(self) -> str:
        return self.name if self.name is not None else "Unlisted signatory"

    def digest(self) -> str:
        return hashlib.sha256("\x1f".join(
            (self.label, self.version, self.status, self.verify_url)).encode()).hexdigest()


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")),
                              size)


def fit(text: str, *, bold: bool, size: int, width: float) -> str:
    """The text, shortened with an ellipsis until it fits the width."""
    font = _font(bold, size)
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


@cache
def _qr_matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules: one rectangle per run keeps the SVG
    small."""
    runs, start = [], None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


def _lines(shown: Shown) -> tuple[str, str, str, str]:
    words, colour = STATUS_LOOK.get(shown.status, (shown.status.upper(), "#57606a"))
    name = fit(shown.label, bold=True, size=17, width=TEXT_WIDTH)
    version = fit(f"Principles of Human Rights Work in Belarus, v{shown.version}", bold=False,
                  size=10, width=TEXT_WIDTH)
    return name, version, words, colour


def svg(shown: Shown) -> str:
    name, version, words, colour = _lines(shown)
    matrix = _qr_matrix(shown.verify_url)
    scale = QR_SIZE / len(matrix)
    modules = "".join(f"M{x},{y}h{n}v1h-{n}z" for y, row in enumerate(matrix)
                      for x, n in _runs(row))
    pill = min(TEXT_WIDTH, _font(True, 12).getlength(words) + 20)
    title = f"{shown.label}: {words.lower()}. Principles version {shown.version}. " \
            f"Verify at {shown.verify_url}"
    e = escape
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="badge-title">'
        f'<title id="badge-title">{e(title)}</title>'
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="{HEIGHT - 2}" rx="10" fill="#fff" '
        f'stroke="{colour}" stroke-width="2"/>'
        f'<g transform="translate(8 8) scale({scale:.4f})"><path d="{modules}" '
        f'fill="#000" shape-rendering="crispEdges"/></g>'
        f'<g transform="translate({TEXT_X} 12)"><rect width="18" height="18" rx="4" '
        f'fill="{MARK_BLUE}"/><path d="M5.1 9.3l2.5 2.5L13 6.2" fill="none" stroke="#fff" '
        f'stroke-width="1.9" stroke-linecap="round" stroke-linejoin="round"/></g>'
        f'<g font-family="{FAMILY}" fill="#1b1f24">'
        f'<text x="{TEXT_X + 24}" y="26" font-size="12" fill="#4b5563">Principles Registry</text>'
        f'<text x="{TEXT_X}" y="56" font-size="17" font-weight="bold">{e(name)}</text>'
        f'<text x="{TEXT_X}" y="76" font-size="10" fill="#4b5563">{e(version)}</text>'
        f'<rect x="{TEXT_X}" y="92" width="{pill:.0f}" height="24" rx="12" fill="{colour}"/>'
        f'<text x="{TEXT_X + 10}" y="108.5" font-size="12" font-weight="bold" '
        f'fill="#fff">{e(words)}</text></g></svg>'
    )


def png(shown: Shown, scale: int = 2) -> bytes:
    name, version, words, colour = _lines(shown)
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)

    def s(value: float) -> int:
        return round(value * scale)

    draw.rounded_rectangle((s(1), s(1), s(WIDTH - 1), s(HEIGHT - 1)), radius=s(10),
                           outline=colour, width=s(2))
    matrix = _qr_matrix(shown.verify_url)
    module = s(QR_SIZE) // len(matrix)  # whole pixels per module, for a crisp code
    offset = s(8) + (s(QR_SIZE) - module * len(matrix)) // 2
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle((offset + x * module, offset + y * module,
                                offset + (x + 1) * module - 1, offset + (y + 1) * module - 1),
                               fill="black")
    draw.rounded_rectangle((s(TEXT_X), s(12), s(TEXT_X + 18), s(30)), radius=s(4),
                           fill=MARK_BLUE)
    draw.line([(s(TEXT_X + 5.1), s(21.3)), (s(TEXT_X + 7.6), s(23.8)),
               (s(TEXT_X + 13), s(18.2))], fill="white", width=s(1.9), joint="curve")
    draw.text((s(TEXT_X + 24), s(26)), "Principles Registry", font=_font(False, s(12)),
              fill="#4b5563", anchor="ls")
    draw.text((s(TEXT_X), s(56)), name, font=_font(True, s(17)), fill="#1b1f24", anchor="ls")
    draw.text((s(TEXT_X), s(76)), version, font=_font(False, s(10)), fill="#4b5563",
              anchor="ls")
    pill = min(TEXT_WIDTH, _font(True, 12).getlength(words) + 20)
    draw.rounded_rectangle((s(TEXT_X), s(92), s(TEXT_X + pill), s(116)), radius=s(12),
                           fill=colour)
    draw.text((s(TEXT_X + 10), s(108.5)), words, font=_font(True, s(12)), fill="white",
              anchor="ls")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
