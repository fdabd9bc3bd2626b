"""The web application: `create_app(settings)` wires every capability into one Litestar app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.template import TemplateConfig

from registry import __version__, capabilities, db, keys, runtime, workers
from registry.changes import counters as changes
from registry.deadlines import scheduler
from registry.settings import Settings
from registry.staff.guards import GuardStaffRoutes, session_middleware
from registry.web import bodies, csrf, errors, fast, head, i18n
from registry.web.security import add_security_headers, reject_control_characters
from registry.web.templating import template_engine


def create_app(settings: Settings, *, run_scheduler: bool = False) -> Litestar:
    """The app; with `run_scheduler` the capabilities' periodic jobs (deadlines, the
    outbox, the purge, status lists) run beside it, as in `serve`."""
    engine = runtime.configure(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start(engine, pool_size=settings.database_pool_size)
        await changes.start(engine)  # hears other processes' changes at once (PostgreSQL)
        stop = asyncio.Event()
        jobs = [job for capability in capabilities.load() for job in capability.jobs(settings)]
        background = ([asyncio.create_task(scheduler.run_forever(jobs, settings, stop))]
                      if run_scheduler else [])
        try:
            yield
        finally:
            stop.set()
            for task in background:
                await task
            await changes.stop()
            await db.stop(engine)

    csrf_config = CSRFConfig(
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
    )
    app = Litestar(
        route_handlers=[route for capability in capabilities.load()
                        for route in capability.routes],
        lifespan=[lifespan],
        template_config=TemplateConfig(instance=template_engine(settings.templates_dir)),
        # Innermost of these: the CSRF token is bound to the staff session (web/csrf.py).
        middleware=[reject_control_characters, i18n.language_middleware,
                    session_middleware(settings), csrf.middleware(csrf_config, settings)],
        before_send=[add_security_headers],
        # Staff routes guarded as they are registered; HEAD wherever GET works (web/head.py).
        plugins=[GuardStaffRoutes(), head.HeadLikeGet()],
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
    fast.install(app)  # the hottest public answers, before any routing (web/fast.py)
    return app


def create_app_from_environment() -> Litestar:
    """The factory the ASGI server calls in each worker: settings from REGISTRY_* variables."""
    workers.follow_parent()  # a worker of `serve --workers N` ends with its supervisor
    return create_app(Settings(), run_scheduler=True)
