"""The reference of the benchmarks: a Litestar app of its own with one route returning a
constant, no middleware, no database, served by uvicorn exactly as `registry serve` runs
the registry. What the registry's routes cost is measured against it."""

from __future__ import annotations

from litestar import Litestar, get


@get("/bare", media_type="text/plain", sync_to_thread=False)
def bare() -> str:
    return "ok"


def create_bare_app() -> Litestar:
    return Litestar([bare], openapi_config=None)
