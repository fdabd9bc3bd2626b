from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.cases.tables import (
    CalendarFeed,
    Case,
    CaseAppeal,
    CaseAttachment,
    CaseDecision,
    CaseLink,
    CaseMessage,
    CaseNote,
    CaseStep,
    CaseVote,
    FollowUpFailure,
    InterimMeasure,
    PanelInterest,
    PanelSeat,
)

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Case, CaseStep, CaseMessage, CaseAttachment, FollowUpFailure, CaseLink,
                   PanelInterest, PanelSeat, CaseNote, CaseDecision, CaseVote, CaseAppeal,
                   InterimMeasure, CalendarFeed],
    migration_dependencies=["registry.accessions.piccolo_app", "registry.staff.piccolo_app"],
    commands=[],
)
