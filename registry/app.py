"""The web application: `create_app(settings)` wires every capability into one Litestar app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from registry import __version__, db, keys, runtime
from registry.accessions import purge
from registry.accessions.controllers import AccedePages, AccessionApi
from registry.accessions.register_controllers import RegisterPages, SignatoryApi
from registry.accessions.staff_controllers import AccessionReviewPages, SignatoryPages
from registry.badges.controllers import (
    VerifyApi,
    VerifyPages,
    badge_image,
    jwks,
    retired_keys,
    status_list,
)
from registry.mail import sender
from registry.principles import services as principles
from registry.principles.controllers import PrinciplesApi, PrinciplesPages
from registry.resources import PACKAGE_DIR
from registry.settings import Settings
from registry.staff.controllers import StaffApi, StaffPages
from registry.staff.guards import session_middleware, staff_guard
from registry.web import bodies, errors, health, i18n, pages
from registry.web.security import add_security_headers, reject_control_characters
from registry.web.templating import template_engine


@get("/", include_in_schema=False)
async def home() -> Template:
    return Template("home.html", context={"in_force": await principles.version_in_force()})


def create_app(settings: Settings, *, send_mail: bool = False) -> Litestar:
    """The app; with `send_mail` the outbox sender runs beside it (as in `serve`)."""
    engine = runtime.configure(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start(engine, pool_size=settings.database_pool_size)
        stop = asyncio.Event()
        # The outbox sender and the daily purge run beside the app in `serve`.
        background = [asyncio.create_task(sender.run_forever(settings, stop)),
                      asyncio.create_task(purge.run_daily(settings, stop))] if send_mail else []
        try:
            yield
        finally:
            stop.set()
            for task in background:
                await task
            await db.stop(engine)

    return Litestar(
        route_handlers=[
            home,
            pages.choose_language,
            health.healthz,
            health.readyz,
            PrinciplesPages,
            PrinciplesApi,
            StaffPages,
            StaffApi,
            AccedePages,
            AccessionApi,
            AccessionReviewPages,
            SignatoryPages,
            RegisterPages,
            SignatoryApi,
            jwks,
            retired_keys,
            badge_image,
            status_list,
            VerifyApi,
            VerifyPages,
            create_static_files_router(
                path="/static",
                directories=[PACKAGE_DIR / "web" / "static"],
                cache_control=CacheControlHeader(max_age=3600, public=True),
            ),
        ],
        lifespan=[lifespan],
        template_config=TemplateConfig(instance=template_engine(settings.templates_dir)),
        middleware=[reject_control_characters, i18n.language_middleware,
                    session_middleware(settings)],
        guards=[staff_guard],
        csrf_config=CSRFConfig(
            secret=keys.keyring().csrf_secret,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            # The public JSON API takes no cookie credentials, so it needs no CSRF token;
            # the staff API does, and keeps it. Static files set no cookie.
            # Badges, status lists and keys are embedded and fetched by other sites: no
            # cookie there either.
            exclude=[r"^/api/v1/(?!staff/)", r"^/static/", r"^/healthz$", r"^/readyz$",
                     r"^/badges/", r"^/status/", r"^/\.well-known/"],
        ),
        before_send=[add_security_headers],
        # A body that cannot be decoded is refused in words before anything decodes it.
        before_request=bodies.check_body,
        exception_handlers=errors.EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="Principles Registry API",
            version=__version__,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        request_max_body_size=1024 * 1024,
        state=State({"settings": settings, "expected_migrations": db.expected_migrations()}),
        debug=settings.debug,
    )


def create_app_from_environment() -> Litestar:
    """The factory the ASGI server calls in each worker: settings from REGISTRY_* variables."""
    return create_app(Settings(), send_mail=True)
