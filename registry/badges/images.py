"""The badge images: SVG and PNG, the same layout. The registry's mark, the public name
(or "Unlisted signatory"), the Principles version, the status in words and colour, and a
QR code of the verification URL.

In each language the registry speaks (`LANGUAGES`): every word is a msgid, translated
with that language's catalogue, never the reader's (an image is the same for everyone
who asks for its address). The name the signatory gave is never translated.

Rendered once per change of what they show (services.py keeps one rendering per
language), never per request. Text widths are measured with the bundled DejaVu Sans,
which has Cyrillic and which the SVG names first; what does not fit is made smaller
(the status) or wrapped (the Principles line), and only then shortened with an ellipsis.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import qrcode
from markupsafe import escape
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from registry.labels import ACCESSION_STATUS
from registry.translation import CODES, DEFAULT, N_, translations

FONTS = Path(__file__).parent / "fonts"
WIDTH, HEIGHT = 400, 132
QR_SIZE = 116
TEXT_X = 136
TEXT_WIDTH = WIDTH - TEXT_X - 12
MARK_BLUE = "#1d4e89"
FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"

# Moves when the drawing changes: every stored image is drawn again (services.py), as
# when a catalogue changes the words.
LAYOUT = 2
LANGUAGES = CODES
UNKNOWN_COLOUR = "#57606a"

# The words and colour of each status; every colour keeps white text above 4.5:1
# contrast. The words are the status labels the register shows (the same meaning: the
# accession's status now), but for a superseded accession, whose badge still stands:
# the image says so in words of its own. They are shown in capitals with `str.upper()`,
# which follows Unicode's case mapping: right for Belarusian and Russian (ў to Ў, і to
# І), with no locale to get wrong (only Turkish, Azeri and Lithuanian have special
# rules). So translators write them as the register does, and need no second set.
STATUS_LOOK: dict[str, tuple[str, str]] = {
    "active": (ACCESSION_STATUS.msgid("active"), "#1a7f37"),
    "superseded": (N_("active · new version in force"), "#8a5a00"),
    "suspended": (ACCESSION_STATUS.msgid("suspended"), "#b35900"),
    "lapsed": (ACCESSION_STATUS.msgid("lapsed"), "#57606a"),
    "revoked": (ACCESSION_STATUS.msgid("revoked"), "#cf222e"),
    "withdrawn": (ACCESSION_STATUS.msgid("withdrawn"), "#424a53"),
}
HEADER = N_("Principles Registry")
UNLISTED = N_("Unlisted signatory")
VERSION_LINE = N_("Principles of Human Rights Work in Belarus, v%(version)s")
# The image's accessible name (the SVG's <title>); the status in the words shown.
TITLE = N_("%(name)s: %(status)s. Principles version %(version)s. Verify at %(url)s")


@dataclass(frozen=True)
class Shown:
    """What a badge image shows."""

    name: str | None  # None: unlisted
    version: str
    status: str
    verify_url: str

    def digest(self) -> str:
        """Of what the images are drawn from (in every language)."""
        return hashlib.sha256("\x1f".join(
            (self.name if self.name is not None else "\x00", self.version, self.status,
             self.verify_url)).encode()).hexdigest()


def language_of(asked: str | None) -> str:
    """The language an image is asked for in (`?lang=`): `en`, `be` or `ru`, in any case
    and with a region (`be-BY`); anything else is the default, English. Never refused:
    a refusal would be a broken image on someone's website."""
    code = (asked or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT


def say(language: str, msgid: str, **values: str) -> str:
    """The msgid in the language, with its values; the English one if the translation
    lost a placeholder (an image is drawn inside a status change, which must not fail
    over a catalogue's slip)."""
    translated = translations(language).gettext(msgid)
    if not values:
        return translated
    try:
        return translated % values
    except (KeyError, ValueError, TypeError):
        return msgid % values


@cache
def wording(language: str) -> str:
    """A digest of every word the images of this language may show, as this process's
    catalogue has them, and of the layout: a stored image made with another is drawn
    again (a catalogue translated after the image was made, a layout changed)."""
    msgids = [HEADER, UNLISTED, VERSION_LINE, TITLE, *(w for w, _ in STATUS_LOOK.values())]
    words = [str(LAYOUT), language, *(translations(language).gettext(m) for m in msgids)]
    return hashlib.sha256("\x1f".join(words).encode()).hexdigest()


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


def fit_smaller(text: str, *, bold: bool, sizes: tuple[int, ...], width: float
                ) -> tuple[str, int]:
    """The text at the largest of the sizes at which it fits; else shortened at the
    smallest."""
    for size in sizes:
        if _font(bold, size).getlength(text) <= width:
            return text, size
    return fit(text, bold=bold, size=sizes[-1], width=width), sizes[-1]


def wrap(text: str, *, bold: bool, size: int, width: float, lines: int = 2
         ) -> tuple[str, ...]:
    """The text on at most `lines` lines, broken between words; the last one shortened
    if it must be."""
    font = _font(bold, size)
    words: list[str] = []
    out: list[str] = []
    for word in text.split():  # a word of one or two letters ("ў", "в") starts the next
        if words and len(words[-1]) <= 2 and words[-1].isalpha():
            words[-1] = f"{words[-1]}\u00a0{word}"
        else:
            words.append(word)
    while words and len(out) < lines - 1 and font.getlength(" ".join(words)) > width:
        taken = 1
        while taken < len(words) and font.getlength(" ".join(words[:taken + 1])) <= width:
            taken += 1
        out.append(fit(" ".join(words[:taken]), bold=bold, size=size, width=width))
        words = words[taken:]
    if words:
        out.append(fit(" ".join(words), bold=bold, size=size, width=width))
    return tuple(line.replace("\u00a0", " ") for line in out)


# QR codes drawn lately, by verification URL: one per badge, so a bound, or the cache
# would grow with every badge ever drawn (each is some 16 kB). A badge's images are
# stored once drawn (services.py), so this only spares drawing the SVG and the PNG twice.
QR_CACHE_SIZE = 256


@lru_cache(maxsize=QR_CACHE_SIZE)
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


@dataclass(frozen=True)
class Lines:
    """What an image says, in one language, fitted to its places."""

    language: str
    header: str
    name: str
    name_y: float
    version: tuple[tuple[str, float], ...]  # each line and its baseline
    words: str  # the status, in capitals
    words_size: int
    pill: float  # the status pill's width
    colour: str
    title: str


def lines(shown: Shown, language: str = DEFAULT) -> Lines:
    language = language_of(language)
    status_msgid, colour = STATUS_LOOK.get(
        shown.status, (ACCESSION_STATUS.msgid(shown.status), UNKNOWN_COLOUR))
    status = say(language, status_msgid)
    words, words_size = fit_smaller(status.upper(), bold=True, sizes=(12, 11, 10),
                                    width=TEXT_WIDTH - 20)
    label = shown.name if shown.name is not None else say(language, UNLISTED)
    version = wrap(say(language, VERSION_LINE, version=shown.version), bold=False, size=10,
                   width=TEXT_WIDTH)
    # One line of the Principles under the name; two (a longer language) move the name up.
    name_y, baselines = (56, (76,)) if len(version) == 1 else (52, (70, 82))
    return Lines(
        language=language,
        header=fit(say(language, HEADER), bold=False, size=12, width=TEXT_WIDTH - 24),
        name=fit(label, bold=True, size=17, width=TEXT_WIDTH), name_y=name_y,
        version=tuple(zip(version, baselines, strict=True)), words=words,
        words_size=words_size,
        pill=min(TEXT_WIDTH, _font(True, words_size).getlength(words) + 20), colour=colour,
        title=say(language, TITLE, name=label, status=status, version=shown.version,
                  url=shown.verify_url))


def _words_y(size: int) -> float:
    """The baseline that centres capitals of this size in the pill (92 to 116)."""
    return round(104 + 0.375 * size, 2)


def svg(shown: Shown, language: str = DEFAULT) -> str:
    said = lines(shown, language)
    matrix = _qr_matrix(shown.verify_url)
    scale = QR_SIZE / len(matrix)
    modules = "".join(f"M{x},{y}h{n}v1h-{n}z" for y, row in enumerate(matrix)
                      for x, n in _runs(row))
    e = escape
    version = "".join(f'<text x="{TEXT_X}" y="{y}" font-size="10" fill="#4b5563">{e(line)}'
                      "</text>" for line, y in said.version)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xml:lang="{said.language}" '
        f'lang="{said.language}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="badge-title">'
        f'<title id="badge-title">{e(said.title)}</title>'
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="{HEIGHT - 2}" rx="10" fill="#fff" '
        f'stroke="{said.colour}" stroke-width="2"/>'
        f'<g transform="translate(8 8) scale({scale:.4f})"><path d="{modules}" '
        f'fill="#000" shape-rendering="crispEdges"/></g>'
        f'<g transform="translate({TEXT_X} 12)"><rect width="18" height="18" rx="4" '
        f'fill="{MARK_BLUE}"/><path d="M5.1 9.3l2.5 2.5L13 6.2" fill="none" stroke="#fff" '
        f'stroke-width="1.9" stroke-linecap="round" stroke-linejoin="round"/></g>'
        f'<g font-family="{FAMILY}" fill="#1b1f24">'
        f'<text x="{TEXT_X + 24}" y="26" font-size="12" fill="#4b5563">{e(said.header)}</text>'
        f'<text x="{TEXT_X}" y="{said.name_y}" font-size="17" font-weight="bold">'
        f'{e(said.name)}</text>{version}'
        f'<rect x="{TEXT_X}" y="92" width="{said.pill:.0f}" height="24" rx="12" '
        f'fill="{said.colour}"/>'
        f'<text x="{TEXT_X + 10}" y="{_words_y(said.words_size)}" '
        f'font-size="{said.words_size}" font-weight="bold" fill="#fff">{e(said.words)}'
        '</text></g></svg>'
    )


def png(shown: Shown, language: str = DEFAULT, scale: int = 2) -> bytes:
    said = lines(shown, language)
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)

    def s(value: float) -> int:
        return round(value * scale)

    draw.rounded_rectangle((s(1), s(1), s(WIDTH - 1), s(HEIGHT - 1)), radius=s(10),
                           outline=said.colour, width=s(2))
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
    draw.text((s(TEXT_X + 24), s(26)), said.header, font=_font(False, s(12)),
              fill="#4b5563", anchor="ls")
    draw.text((s(TEXT_X), s(said.name_y)), said.name, font=_font(True, s(17)),
              fill="#1b1f24", anchor="ls")
    for line, baseline in said.version:
        draw.text((s(TEXT_X), s(baseline)), line, font=_font(False, s(10)), fill="#4b5563",
                  anchor="ls")
    draw.rounded_rectangle((s(TEXT_X), s(92), s(TEXT_X + said.pill), s(116)), radius=s(12),
                           fill=said.colour)
    draw.text((s(TEXT_X + 10), s(_words_y(said.words_size))), said.words,
              font=_font(True, s(said.words_size)), fill="white", anchor="ls")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
