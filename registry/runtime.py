"""Everything a process binds once from its settings: database, keys, mail templates, and
the capabilities' hooks into the spine (the facts they follow, the deadlines they act on)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from registry import capabilities, db, keys
from registry.mail import rendering
from registry.settings import Settings

_settings: Settings | None = None


def configure(settings: Settings) -> Engine:
    global _settings
    engine = db.configure(settings)
    keys.configure(settings)
    rendering.configure(settings.templates_dir)
    _settings = settings
    capabilities.install()
    return engine


def settings() -> Settings:
    """The settings this process was configured with (for hooks that run inside another
    capability's transaction, such as fact subscribers)."""
    if _settings is None:
        raise RuntimeError("registry.runtime.configure(settings) has not been called")
    return _settings
