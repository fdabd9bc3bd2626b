"""Piccolo's configuration: the database from the settings, and the Piccolo app of every
capability that has tables (registry/capabilities.py lists them).

`registry.db.configure(settings)` rebinds `DB` when the service is given other settings.
"""

from piccolo.conf.apps import AppRegistry

from registry.capabilities import piccolo_apps
from registry.db import engine_for
from registry.settings import Settings

DB = engine_for(Settings().database_url)

APP_REGISTRY = AppRegistry(apps=piccolo_apps())
