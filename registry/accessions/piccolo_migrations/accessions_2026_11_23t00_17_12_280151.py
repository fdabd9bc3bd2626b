from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Accession(Table, tablename="accession", schema=None):
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


class Signatory(Table, tablename="signatory", schema=None):
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


ID = "2026-11-23T00:17:12:280151"
VERSION = "1.38.0"
DESCRIPTION = "Lifecycle deadlines, status history, questions to applicants"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="accessions", description=DESCRIPTION
    )

    manager.add_table(
        class_name="SignatoryEvent",
        tablename="signatory_event",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="AccessionMessage",
        tablename="accession_message",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="SignatoryEvent",
        tablename="signatory_event",
        column_name="signatory",
        db_column_name="signatory",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Signatory,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="SignatoryEvent",
        tablename="signatory_event",
        column_name="event",
        db_column_name="event",
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
        table_class_name="SignatoryEvent",
        tablename="signatory_event",
        column_name="status",
        db_column_name="status",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 30,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": Enum(
                "AccessionStatus",
                {
                    "pending_confirmation": "pending_confirmation",
                    "pending_review": "pending_review",
                    "information_requested": "information_requested",
                    "active": "active",
                    "rejected": "rejected",
                    "withdrawn": "withdrawn",
                    "suspended": "suspended",
                    "revoked": "revoked",
                    "lapsed": "lapsed",
                    "superseded": "superseded",
                },
            ),
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="SignatoryEvent",
        tablename="signatory_event",
        column_name="version_id",
        db_column_name="version_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
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
        table_class_name="SignatoryEvent",
        tablename="signatory_event",
        column_name="at",
        db_column_name="at",
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

    manager.add_column(
        table_class_name="AccessionMessage",
        tablename="accession_message",
        column_name="accession",
        db_column_name="accession",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Accession,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="AccessionMessage",
        tablename="accession_message",
        column_name="author",
        db_column_name="author",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
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
        table_class_name="AccessionMessage",
        tablename="accession_message",
        column_name="body",
        db_column_name="body",
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
        table_class_name="AccessionMessage",
        tablename="accession_message",
        column_name="at",
        db_column_name="at",
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

    manager.add_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="grace_until",
        db_column_name="grace_until",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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
        table_class_name="Signatory",
        tablename="signatory",
        column_name="persecuted_since",
        db_column_name="persecuted_since",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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
        table_class_name="Signatory",
        tablename="signatory",
        column_name="reaffirm_due",
        db_column_name="reaffirm_due",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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
        table_class_name="Signatory",
        tablename="signatory",
        column_name="reminded_at",
        db_column_name="reminded_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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
        table_class_name="Signatory",
        tablename="signatory",
        column_name="suspended_until",
        db_column_name="suspended_until",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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
        table_class_name="Signatory",
        tablename="signatory",
        column_name="withdrawal_effective_at",
        db_column_name="withdrawal_effective_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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

    manager.alter_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "AccessionStatus",
                {
                    "pending_confirmation": "pending_confirmation",
                    "pending_review": "pending_review",
                    "information_requested": "information_requested",
                    "active": "active",
                    "rejected": "rejected",
                    "withdrawn": "withdrawn",
                    "suspended": "suspended",
                    "revoked": "revoked",
                    "lapsed": "lapsed",
                    "superseded": "superseded",
                },
            )
        },
        old_params={
            "choices": Enum(
                "AccessionStatus",
                {
                    "pending_confirmation": "pending_confirmation",
                    "pending_review": "pending_review",
                    "active": "active",
                    "rejected": "rejected",
                    "withdrawn": "withdrawn",
                    "suspended": "suspended",
                    "revoked": "revoked",
                    "lapsed": "lapsed",
                    "superseded": "superseded",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Accession",
        tablename="accession",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "AccessionStatus",
                {
                    "pending_confirmation": "pending_confirmation",
                    "pending_review": "pending_review",
                    "information_requested": "information_requested",
                    "active": "active",
                    "rejected": "rejected",
                    "withdrawn": "withdrawn",
                    "suspended": "suspended",
                    "revoked": "revoked",
                    "lapsed": "lapsed",
                    "superseded": "superseded",
                },
            )
        },
        old_params={
            "choices": Enum(
                "AccessionStatus",
                {
                    "pending_confirmation": "pending_confirmation",
                    "pending_review": "pending_review",
                    "active": "active",
                    "rejected": "rejected",
                    "withdrawn": "withdrawn",
                    "suspended": "suspended",
                    "revoked": "revoked",
                    "lapsed": "lapsed",
                    "superseded": "superseded",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="AccessionLink",
        tablename="accession_link",
        column_name="purpose",
        db_column_name="purpose",
        params={
            "choices": Enum(
                "LinkPurpose",
                {
                    "confirm": "confirm",
                    "receipt": "receipt",
                    "answer": "answer",
                    "reaffirm": "reaffirm",
                    "withdraw": "withdraw",
                    "cancel_withdrawal": "cancel_withdrawal",
                    "reaccede": "reaccede",
                },
            )
        },
        old_params={
            "choices": Enum(
                "LinkPurpose", {"confirm": "confirm", "receipt": "receipt"}
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
