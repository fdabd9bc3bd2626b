"""Piccolo's configuration: the database from the settings, and one app per capability.

`registry.db.configure(settings)` rebinds `DB` when the service is given other settings.
"""

from piccolo.conf.apps import AppRegistry

from registry.db import engine_for
from registry.settings import Settings

DB = engine_for(Settings().database_url)

APP_REGISTRY = AppRegistry(
    apps=[
        "registry.principles.piccolo_app",
        "registry.audit.piccolo_app",
        "registry.facts.piccolo_app",
        "registry.deadlines.piccolo_app",
        "registry.staff.piccolo_app",
        "registry.mail.piccolo_app",
        "registry.accessions.piccolo_app",
        "registry.badges.piccolo_app",
    ]
)
