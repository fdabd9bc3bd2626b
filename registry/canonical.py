"""The one canonical JSON form of the registry: the Principles' texts, accession
statements and public facts are hashed and signed in it.

Keys sorted, no insignificant whitespace, UTF-8 without escapes, no NaN (for the values
the registry writes, strings, integers, booleans and nulls, this is RFC 8785).
"""

from __future__ import annotations

import json


def canonical_json(value: object) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
