"""Liveness and readiness for the process supervisor and the proxy."""

from __future__ import annotations

from litestar import get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.response.base import ASGIResponse

from registry import db
from registry.web import errors

# What /healthz answers, built once: registry/web/fast.py sends it before any routing.
HEALTHY = ASGIResponse(body=b'{"status":"ok"}', media_type="application/json")


@get("/healthz", include_in_schema=True, tags=["health"], sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@get("/readyz", tags=["health"], responses=errors.answers(503))
async def readyz(state: State) -> dict[str, str]:
    """The database answers and every committed migration has been applied."""
    try:
        pending = await db.pending_migrations(state.expected_migrations)
    except db.DatabaseUnavailable as error:
        raise HTTPException(status_code=503, detail="the database is unreachable") from error
    if pending:
        names = ", ".join(sorted(f"{app_name}:{name}" for app_name, name in pending))
        raise HTTPException(status_code=503, detail=f"migrations not applied: {names}")
    return {"status": "ready"}
