"""The registry's public signing keys, for anyone to verify what it signed."""

from __future__ import annotations

from litestar import get
from litestar.datastructures import CacheControlHeader

from registry import keys


@get("/.well-known/jwks.json", tags=["keys"], cache_control=CacheControlHeader(max_age=300),
     media_type="application/jwk-set+json")
async def jwks() -> dict[str, list[dict[str, str]]]:
    """Every public key the registry signs with or has signed with (never a private part)."""
    return {"keys": [key.public_jwk() for key in keys.keyring().signing.all()]}
