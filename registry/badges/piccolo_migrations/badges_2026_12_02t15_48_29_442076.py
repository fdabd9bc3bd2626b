from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import Bytea
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Badge(Table, tablename="badge", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-02T15:48:29:442076"
VERSION = "1.38.0"
DESCRIPTION = "Badge images, one row per language, out of the badge row"

IRREVERSIBLE = (
    "The badge images moved from the badge table into badge_image, one row per language; "
    "going back would leave the older code with empty images (it does not draw them "
    "again). Restore a backup made before this migration instead."
)


def _refuse_to_go_back() -> None:
    raise RuntimeError(IRREVERSIBLE)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="badges", description=DESCRIPTION
    )
    # Backwards runs this first, inside the migration's transaction: nothing is undone.
    manager.add_raw_backwards(_refuse_to_go_back)

    manager.add_table(
        class_name="BadgeImage",
        tablename="badge_image",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="BadgeImage",
        tablename="badge_image",
        column_name="badge",
        db_column_name="badge",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Badge,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BadgeImage",
        tablename="badge_image",
        column_name="language",
        db_column_name="language",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 8,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BadgeImage",
        tablename="badge_image",
        column_name="shown",
        db_column_name="shown",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BadgeImage",
        tablename="badge_image",
        column_name="wording",
        db_column_name="wording",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BadgeImage",
        tablename="badge_image",
        column_name="svg",
        db_column_name="svg",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BadgeImage",
        tablename="badge_image",
        column_name="png",
        db_column_name="png",
        column_class_name="Bytea",
        column_class=Bytea,
        params={
            "default": b"",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BadgeImage",
        tablename="badge_image",
        column_name="etag",
        db_column_name="etag",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 40,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BadgeImage",
        tablename="badge_image",
        column_name="rendered_at",
        db_column_name="rendered_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.drop_column(
        table_class_name="Badge",
        tablename="badge",
        column_name="etag",
        db_column_name="etag",
        schema=None,
    )

    manager.drop_column(
        table_class_name="Badge",
        tablename="badge",
        column_name="png",
        db_column_name="png",
        schema=None,
    )

    manager.drop_column(
        table_class_name="Badge",
        tablename="badge",
        column_name="rendered_at",
        db_column_name="rendered_at",
        schema=None,
    )

    manager.drop_column(
        table_class_name="Badge",
        tablename="badge",
        column_name="svg",
        db_column_name="svg",
        schema=None,
    )

    return manager
