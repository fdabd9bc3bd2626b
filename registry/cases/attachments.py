"""Evidence attached to a complaint: what is accepted, decided from the content alone.

People in danger attach these files, often anonymously, and staff open them. So:

- **The kind comes from the bytes**, never from the file's name or the content type its
  sender declared: `puremagic` reads the signature, then each kind is checked in its own
  way (Pillow decodes an image, a ZIP's own entries say which document it is, text must
  decode as UTF-8). Programs (ELF, PE/MZ, Mach-O, scripts starting with `#!`) and
  everything not on the list below are refused. The extension for the download name
  comes from the kind, so nothing is ever offered to staff under a program's name.
- **Accepted**: PDF; JPEG, PNG, GIF and WebP images; plain text in UTF-8; OpenDocument
  text and spreadsheet (.odt, .ods); Word and Excel (.docx, .xlsx). Audio and video are
  not: their containers (MP4, M4A, ...) carry the recording's place and device, and
  nothing pure-Python can remove that reliably.
- **Images are re-encoded** to the same format from their pixels alone: no EXIF (a
  photo's GPS position can identify the person who took it), no XMP, no ICC profile (the
  colours are first converted to sRGB where one is given), no PNG text chunks, no
  comments. The EXIF orientation is applied first, so the image still looks right.
  Animated GIF, WebP and PNG keep every frame and each frame's duration; a JPEG keeps
  only its main picture (not the previews or depth maps some cameras add). An image too
  large to decode safely (Pillow's decompression-bomb limit, and ours: `max_pixels` for
  all its frames together) is refused.
- **Other documents are kept byte for byte**, metadata included (a PDF's author, a
  DOCX's last editor): `Evidence.metadata_removed` is false so the filer can be told.
- **ZIP documents** (ODF, OOXML) must say what they are in the ZIP's own entries (ODF's
  stored `mimetype` entry first; OOXML's `[Content_Types].xml` naming a Word or Excel
  main part); other ZIPs, encrypted ones, ones with macros, and ones that would unpack
  to more than `max_unpacked_bytes` (a zip bomb: refused from the sizes the archive
  declares, before anything is unpacked) are refused. What passes is then unpacked in
  pieces, within that budget, to check that every entry is what it declares.

Pure rules: no database, no web. A refusal is `registry.refusals.Invalid` on the field
"attachments".
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import puremagic
from PIL import Image, ImageCms, ImageSequence, JpegImagePlugin

from registry.refusals import Invalid
from registry.translation import N_

MiB = 1024 * 1024
FIELD = "attachments"
NAME_LENGTH = 120


@dataclass(frozen=True)
class Limits:
    """How much one file may be. The caller limits how many files and their total
    (`check_batch`)."""

    max_bytes: int = 10 * MiB
    max_pixels: int = 40_000_000  # all frames of an animation together
    max_unpacked_bytes: int = 100 * MiB  # a ZIP document's entries together, unpacked
    max_parts: int = 5_000  # entries in a ZIP document


@dataclass(frozen=True)
class Evidence:
    """One accepted file: the bytes to keep and what to say about them."""

    content: bytes  # the re-encoded image, or the original bytes
    media_type: str  # canonical, from the content: "application/pdf"
    extension: str  # for the download name: ".pdf"
    size: int
    metadata_removed: bool  # images: true; other documents keep theirs
    name: str  # the name it was sent with, cleaned; shown to staff, never used for the kind


@dataclass(frozen=True)
class _Kind:
    media_type: str
    extension: str


KINDS = {
    "pdf": _Kind("application/pdf", ".pdf"),
    "jpeg": _Kind("image/jpeg", ".jpg"),
    "png": _Kind("image/png", ".png"),
    "gif": _Kind("image/gif", ".gif"),
    "webp": _Kind("image/webp", ".webp"),
    "text": _Kind("text/plain; charset=utf-8", ".txt"),
    "odt": _Kind("application/vnd.oasis.opendocument.text", ".odt"),
    "ods": _Kind("application/vnd.oasis.opendocument.spreadsheet", ".ods"),
    "docx": _Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  ".docx"),
    "xlsx": _Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
# For a file input's `accept` attribute (a hint to the browser; the content decides).
ACCEPT = ",".join(sorted({kind.extension for kind in KINDS.values()} | {".jpeg"}))

# What puremagic names, by extension, mapped to the kind to check it as. A ZIP-based
# signature only says "a ZIP": the ZIP's own entries decide (see _zip_kind).
_SIGNATURES = {
    ".pdf": "pdf",
    ".jpg": "jpeg", ".jpeg": "jpeg", ".jfif": "jpeg", ".jpe": "jpeg",
    ".png": "png", ".gif": "gif", ".webp": "webp",
    ".zip": "zip", ".docx": "zip", ".xlsx": "zip", ".odt": "zip", ".ods": "zip",
}
_IMAGES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}  # Pillow's names

# Programs, refused whatever else the bytes might also be: ELF, PE/MZ (and DOS), Mach-O
# (32/64-bit, both byte orders, and universal binaries, whose magic Java classes share),
# and scripts with an interpreter line.
_PROGRAMS = (b"\x7fELF", b"MZ", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
             b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Office container, and encrypted OOXML
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")
# Control characters that plain text has no use for (tab, line feed, form feed and
# carriage return are fine); C1 controls included.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0b\x0e-\x1f\x7f]")

_ODF = {"application/vnd.oasis.opendocument.text": "odt",
        "application/vnd.oasis.opendocument.spreadsheet": "ods"}
_OOXML = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
          "docx",
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx"}

NOT_ACCEPTED = N_("This file is not one of the kinds accepted: PDF, JPEG, PNG, GIF or WebP "
                  "images, plain text (UTF-8), OpenDocument text or spreadsheet, Word (DOCX) "
                  "or Excel (XLSX).")
DAMAGED = N_("This file is damaged or incomplete, and cannot be read.")
IMAGE_TOO_LARGE = N_("This image is too large to process.")
ENCRYPTED = N_("This document is protected by a password. Attach it without the password.")
MACROS = N_("This document contains macros, which are not accepted. Save it without macros "
             "and attach it again.")
UNPACKED = N_("This document would unpack to more than %(limit)s MB, which is not accepted.")
NOT_UTF8 = N_("This text file is not in UTF-8. Save it as UTF-8 text or as PDF, and attach it "
              "again.")
EMPTY = N_("This file is empty.")
FILE_TOO_LARGE = N_("This file is larger than %(limit)s MB.")
TOO_MANY = N_("Too many files: at most %(count)s.")
TOO_LARGE_TOGETHER = N_("These files are larger than %(limit)s MB together.")


def _refuse(message: str, **values: object) -> Invalid:
    return Invalid(message, field=FIELD, **values)


def _megabytes(size: int) -> str:
    return f"{size / MiB:g}"


def check_batch(sizes: list[int], *, max_count: int, max_total: int) -> None:
    """Refuse more files than `max_count`, or more than `max_total` bytes together."""
    if len(sizes) > max_count:
        raise _refuse(TOO_MANY, count=max_count)
    if sum(sizes) > max_total:
        raise _refuse(TOO_LARGE_TOGETHER, limit=_megabytes(max_total))


def inspect(data: bytes, *, filename: str, limits: Limits) -> Evidence:
    """Accept one file, as what its content is, or refuse it in words.

    `filename` is only cleaned and kept to show staff (`Evidence.name`); it has no say in
    what the file is taken for.
    """
    if not data:
        raise _refuse(EMPTY)
    if len(data) > limits.max_bytes:
        raise _refuse(FILE_TOO_LARGE, limit=_megabytes(limits.max_bytes))
    if data.startswith(_PROGRAMS):
        raise _refuse(NOT_ACCEPTED)
    kind = _signature(data)
    metadata_removed = False
    content = data
    if kind in _IMAGES:
        content = _reencode(data, _IMAGES[kind], limits)
        metadata_removed = True
    elif kind == "zip":
        kind = _zip_kind(data, limits)
    elif kind is None:
        _check_text(data)
        kind = "text"
    found = KINDS[kind]
    return Evidence(content=content, media_type=found.media_type, extension=found.extension,
                    size=len(content), metadata_removed=metadata_removed,
                    name=clean_name(filename, fallback=f"attachment{found.extension}"))


def clean_name(filename: str, *, fallback: str = "attachment") -> str:
    """The name as staff may see it: the last part of any path, without control, format
    (bidi overrides, zero-width) or separator characters, at most 120 characters."""
    kept = []
    for char in unicodedata.normalize("NFC", filename):
        category = unicodedata.category(char)
        if category in ("Zs", "Zl", "Zp") or char in "\t\n\r":
            kept.append(" ")
        elif not category.startswith("C"):  # control, format, surrogate, private, unassigned
            kept.append(char)
    text = re.split(r"[/\\]", "".join(kept))[-1]
    text = " ".join(text.split()).strip(" .")
    if len(text) > NAME_LENGTH:
        stem, dot, suffix = text.rpartition(".")
        if dot and stem and len(suffix) <= 10:
            text = stem[:NAME_LENGTH - len(suffix) - 1].rstrip(" .") + "." + suffix
        else:
            text = text[:NAME_LENGTH]
    return text or fallback


# --- What the bytes are ---------------------------------------------------------------

def _signature(data: bytes) -> str | None:
    """The kind to check the bytes as, from their signature: the most confident
    matches of puremagic that name an accepted kind (None: no accepted signature)."""
    try:
        matches = puremagic.magic_string(data)
    except puremagic.PureError:
        matches = []
    if not matches:
        return None
    best = max(match.confidence for match in matches)
    kinds = {_SIGNATURES.get(match.extension.lower()) for match in matches
             if match.confidence == best} - {None}
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind == "pdf" and not data.startswith(b"%PDF-"):  # a header, not a word in a text
        return None
    return kind


def _check_text(data: bytes) -> None:
    """Plain text is UTF-8 without control characters.

    Other 8-bit encodings are refused, not guessed: any bytes at all are valid Latin-1,
    so accepting "Latin-1 text" would accept anything, and Belarusian text in such a
    file is as likely Windows-1251 or KOI8, which a guess would turn to nonsense for
    staff. The filer is asked to save it as UTF-8 (or PDF) instead.
    """
    if data.startswith(_OLE):
        raise _refuse(ENCRYPTED if _ENCRYPTED_OOXML in data else NOT_ACCEPTED)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, as Windows' "Unicode"
        raise _refuse(NOT_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if _CONTROL_BYTES.search(data) is None:  # looks like text in another encoding
            raise _refuse(NOT_UTF8) from None
        raise _refuse(NOT_ACCEPTED) from None
    if _CONTROL.search(text):
        raise _refuse(NOT_ACCEPTED)


# --- Images ---------------------------------------------------------------------------

# EXIF orientation -> the transposition that shows the image upright (as Pillow's
# ImageOps.exif_transpose does, applied here to every frame of an animation).
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112
# What Pillow may call each: a camera's JPEG with further pictures (MPF) opens as MPO.
_PILLOW_FORMATS = {"JPEG": ("JPEG", "MPO"), "PNG": ("PNG",), "GIF": ("GIF",),
                   "WEBP": ("WEBP",)}


def _reencode(data: bytes, format_: str, limits: Limits) -> bytes:
    """The image again, in its own format, from its pixels only: no metadata left.

    Pillow's decoders raise many kinds of errors on hostile or broken input; each is a
    damaged file to the filer.
    """
    try:
        with Image.open(io.BytesIO(data), formats=[format_]) as image:
            if image.format not in _PILLOW_FORMATS[format_]:
                raise _refuse(NOT_ACCEPTED)
            width, height = image.size
            # A JPEG's further pictures (MPO: previews, depth maps) are not kept.
            frames = 1 if format_ == "JPEG" else getattr(image, "n_frames", 1)
            if width * height * frames > limits.max_pixels:
                raise _refuse(IMAGE_TOO_LARGE)
            orientation = _orientation(image)
            icc = image.info.get("icc_profile")
            pictures, durations = [], []
            for frame in ImageSequence.Iterator(image):
                frame.load()
                durations.append(frame.info.get("duration"))
                pictures.append(frame.convert("RGBA") if frames > 1 else frame.copy())
                if len(pictures) == frames:
                    break
            loop = image.info.get("loop")
            quantization = getattr(image, "quantization", None)
            sampling = JpegImagePlugin.get_sampling(image) if format_ == "JPEG" else -1
        pictures = [_upright(_bare(_in_srgb(picture, icc)), orientation) for picture in pictures]
        return _save(pictures, format_, durations=durations, loop=loop, data=data,
                     quantization=quantization, sampling=sampling)
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(IMAGE_TOO_LARGE) from None
    except Exception:  # any failure to decode is a damaged file
        raise _refuse(DAMAGED) from None


def _orientation(image: Image.Image) -> int | None:
    try:
        value = image.getexif().get(_ORIENTATION_TAG)
    except Exception:  # a broken EXIF block: shown as stored, and removed all the same
        return None
    return value if isinstance(value, int) else None


def _in_srgb(picture: Image.Image, icc: bytes | None) -> Image.Image:
    """The colours converted from the image's own ICC profile to sRGB, so that dropping
    the profile (which may name a device) changes how little it can. Where the profile
    cannot be used, the image is kept as it is and the profile dropped all the same."""
    if not icc or picture.mode not in ("RGB", "RGBA", "CMYK"):
        return picture
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        colours = picture.convert("RGB") if picture.mode == "RGBA" else picture
        converted = ImageCms.profileToProfile(colours, source, srgb, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return picture
    if converted is None:
        return picture
    if picture.mode == "RGBA":
        converted.putalpha(picture.getchannel("A"))
    return converted


def _bare(picture: Image.Image) -> Image.Image:
    """The pixels (and palette) only: Pillow writes some metadata it finds in `info`
    (comments, ICC profiles, XMP) back out, so nothing of it is left but transparency."""
    clean = picture.copy()
    transparency = picture.info.get("transparency")
    clean.info = {} if transparency is None else {"transparency": transparency}
    return clean


def _upright(picture: Image.Image, orientation: int | None) -> Image.Image:
    method = _ORIENTATION.get(orientation) if orientation is not None else None
    return _bare(picture.transpose(method)) if method is not None else picture


def _save(pictures: list[Image.Image], format_: str, *, durations: list[object], loop: object,
          data: bytes, quantization: object, sampling: int) -> bytes:
    out = io.BytesIO()
    first, rest = pictures[0], pictures[1:]
    options: dict[str, object] = {}
    if rest:
        options.update(save_all=True, append_images=rest,
                       duration=[d if isinstance(d, int | float) else 100 for d in durations])
        if isinstance(loop, int):
            options["loop"] = loop
        if format_ == "GIF":
            options["disposal"] = 2  # every frame is whole: clear before the next
        elif format_ == "PNG":
            options["blend"] = 0  # APNG: each frame replaces the last
    if format_ == "JPEG":
        try:
            first.save(out, "JPEG", qtables=quantization, subsampling=sampling)
            return out.getvalue()
        except (ValueError, TypeError, OSError):  # no usable tables: a high fixed quality
            out = io.BytesIO()
            options["quality"] = 95
    elif format_ == "WEBP":
        lossless = _webp_lossless(data)
        options.update(lossless=lossless, quality=100 if lossless else 90)
    first.save(out, format_, **options)
    return out.getvalue()


def _webp_lossless(data: bytes) -> bool:
    """Whether a WebP's pictures are all lossless (VP8L chunks, also inside animation
    frames), so that re-encoding keeps them so."""
    found: set[bytes] = set()
    spans = [(12, len(data), True)]  # the file's chunks, then each frame's (one level)
    while spans:
        at, end, top = spans.pop()
        while at + 8 <= end:
            fourcc, size = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
            if fourcc == b"ANMF" and top:
                spans.append((at + 8 + 16, min(at + 8 + size, end), False))
            else:
                found.add(fourcc)
            at += 8 + size + (size & 1)
    return b"VP8L" in found and b"VP8 " not in found


# --- ZIP documents --------------------------------------------------------------------

def _zip_kind(data: bytes, limits: Limits) -> str:
    """Which accepted document a ZIP is, from its own entries; refused if none, or if it
    is encrypted, has macros, or would unpack to too much."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _refuse(DAMAGED) from None
    names = [entry.filename for entry in entries]
    if len(entries) > limits.max_parts:
        raise _refuse(UNPACKED, limit=_megabytes(limits.max_unpacked_bytes))
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise _refuse(ENCRYPTED)
    if sum(entry.file_size for entry in entries) > limits.max_unpacked_bytes:
        raise _refuse(UNPACKED, limit=_megabytes(limits.max_unpacked_bytes))
    if (len(set(names)) != len(names)
            or any(name.startswith("/") or "\\" in name or ".." in name.split("/")
                   for name in names)
            or any(entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                   for entry in entries)):
        raise _refuse(NOT_ACCEPTED)  # no office suite writes such an archive

    def read(name: str, limit: int) -> bytes:
        with archive.open(name) as member:
            return member.read(limit + 1)

    try:
        if names and names[0] == "mimetype":
            kind = _odf_kind(entries, names, read)
        elif "[Content_Types].xml" in names:
            kind = _ooxml_kind(names, read)
        else:
            raise _refuse(NOT_ACCEPTED)
        _unpack_all(archive, entries, limits)
    except Invalid:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, RuntimeError,
            NotImplementedError):
        raise _refuse(DAMAGED) from None
    return kind


def _odf_kind(entries: list[zipfile.ZipInfo], names: list[str],
              read: Callable[[str, int], bytes]) -> str:
    """OpenDocument: the `mimetype` entry first, stored, naming text or spreadsheet."""
    first = entries[0]
    if first.compress_type != zipfile.ZIP_STORED or first.header_offset != 0:
        raise _refuse(NOT_ACCEPTED)
    kind = _ODF.get(read("mimetype", 100).decode("ascii", "replace"))
    if kind is None or "META-INF/manifest.xml" not in names or "content.xml" not in names:
        raise _refuse(NOT_ACCEPTED)
    manifest = read("META-INF/manifest.xml", MiB)
    if len(manifest) > MiB:
        raise _refuse(NOT_ACCEPTED)
    if b"encryption-data" in manifest:
        raise _refuse(ENCRYPTED)
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise _refuse(MACROS)
    return kind


def _ooxml_kind(names: list[str], read: Callable[[str, int], bytes]) -> str:
    """Office Open XML: `[Content_Types].xml` names exactly one Word or Excel main part."""
    types = read("[Content_Types].xml", MiB)
    if len(types) > MiB:
        raise _refuse(NOT_ACCEPTED)
    if (b"macroenabled" in types.lower()
            or any(name.lower().endswith("vbaproject.bin") for name in names)):
        raise _refuse(MACROS)
    kinds = {kind for content_type, kind in _OOXML.items() if content_type.encode() in types}
    if len(kinds) != 1 or "_rels/.rels" not in names:
        raise _refuse(NOT_ACCEPTED)
    return kinds.pop()


def _unpack_all(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo],
                limits: Limits) -> None:
    """Unpack every entry in pieces, never past the budget: zipfile stops at the size an
    entry declares and checks its CRC, so an entry that lies about its size is damaged."""
    budget = limits.max_unpacked_bytes
    for entry in entries:
        with archive.open(entry) as member:
            while chunk := member.read(MiB):
                budget -= len(chunk)
                if budget < 0:
                    raise _refuse(UNPACKED, limit=_megabytes(limits.max_unpacked_bytes))
