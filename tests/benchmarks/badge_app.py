"""The production app with one more route, `/bench/bare`, that returns a constant: the
badge benchmark measures both in the same process, so the ratio is the badge's cost."""

from __future__ import annotations

from litestar import Litestar, get

from registry.app import create_app
from registry.settings import Settings


# Like the badge routes, it sets no cookie (no CSRF token): the same work but the badge.
@get("/bench/bare", media_type="text/plain", include_in_schema=False,
     opt={"exclude_from_csrf": True})
async def bare() -> str:
    return "ok"


def create_benchmark_app() -> Litestar:
    app = create_app(Settings(), run_scheduler=True)  # exactly what `registry serve` runs
    app.register(bare)
    return app
