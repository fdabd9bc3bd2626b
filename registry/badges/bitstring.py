"""Bitstring Status Lists (W3C Recommendation): a bitstring of at least 131,072 entries,
GZIP-compressed, then Multibase base64url without padding (prefix "u"). Index 0 is the
left-most (most significant) bit of the first byte."""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable

SIZE = 131_072  # entries per list: the minimum the Recommendation asks for, for privacy
MULTIBASE_BASE64URL = "u"


class BadList(ValueError):
    pass


def encode(set_indexes: Iterable[int], size: int = SIZE) -> str:
    bits = bytearray(size // 8)
    for index in set_indexes:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same bytes (and the same ETag).
    packed = gzip.compress(bytes(bits), mtime=0)
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    """The raw bitstring; refuses anything that is not a well-formed list."""
    if not encoded.startswith(MULTIBASE_BASE64URL):
        raise BadList("the list is not Multibase base64url (it must start with 'u')")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        # A list of 16 KiB compresses to a few hundred bytes; cap what we inflate.
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as stream:
            bits = stream.read(16 * SIZE // 8 + 1)
    except (ValueError, OSError, EOFError) as error:
        raise BadList("the list is not GZIP-compressed base64url") from error
    if len(bits) * 8 < SIZE:
        raise BadList(f"the list has {len(bits) * 8} entries; at least {SIZE} are required")
    if len(bits) > 16 * SIZE // 8:
        raise BadList("the list is too large")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise BadList(f"status index {index} is outside the list of {len(bits) * 8}")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
