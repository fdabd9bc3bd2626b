"""Work done after a page or an API answer has gone."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.background_tasks import BackgroundTask

log = logging.getLogger("registry.web")


def after_answering(work: Callable[..., Awaitable[Any]], *args: Any,
                    **kwargs: Any) -> BackgroundTask:
    """Work done after the answer has gone: whether an address is known must not show in
    how long the answer took."""

    async def run() -> None:
        try:
            await work(*args, **kwargs)
        except Exception:  # the person was answered already; the log keeps the trouble
            log.exception("%s failed after answering", getattr(work, "__name__", work))

    return BackgroundTask(run)
