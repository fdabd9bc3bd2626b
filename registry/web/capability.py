from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from registry.capability import Capability
from registry.resources import PACKAGE_DIR
from registry.web import health, pages

CAPABILITY = Capability(
    name="web",
    routes=[
        pages.home,
        pages.choose_language,
        health.healthz,
        health.readyz,
        create_static_files_router(
            path="/static",
            directories=[PACKAGE_DIR / "web" / "static"],
            cache_control=CacheControlHeader(max_age=3600, public=True),
        ),
    ],
)
