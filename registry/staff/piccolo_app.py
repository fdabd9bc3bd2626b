from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.staff.tables import (
    EnrolmentLink,
    FailureTally,
    LoginThrottle,
    RecoveryCode,
    StaffMember,
    StaffSession,
)

APP_CONFIG = AppConfig(
    app_name="staff",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[StaffMember, EnrolmentLink, RecoveryCode, StaffSession, LoginThrottle,
                   FailureTally],
    migration_dependencies=[],
    commands=[],
)
