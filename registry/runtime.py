"""Everything a process binds once from its settings: database, keys, mail templates."""

from __future__ import annotations

from piccolo.engine.base import Engine

from registry import db, keys
from registry.mail import rendering
from registry.settings import Settings


def configure(settings: Settings) -> Engine:
    engine = db.configure(settings)
    keys.configure(settings)
    rendering.configure(settings.templates_dir)
    return engine
