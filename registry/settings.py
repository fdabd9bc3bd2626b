"""Configuration, read once from `REGISTRY_*` environment variables into one object."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from registry import resources


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("var"),
        description="Where the SQLite database, keys and the mail outbox live.",
    )
    database_url: str = Field(
        default="",
        description="sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/db; "
        "empty means a SQLite file in the data directory.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The public address of the registry, used in links, mails and badges.",
    )
    principles_dir: Path = Field(
        default_factory=lambda: resources.bundled_dir("principles"),
        description="The folder of versioned Principles texts.",
    )
    templates_dir: Path = Field(default_factory=lambda: resources.bundled_dir("templates"))
    database_pool_size: int = Field(
        default=10, ge=0, le=200,
        description="PostgreSQL connections per worker process; 0 opens one per query.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies trusted to set X-Forwarded-Proto and X-Forwarded-For "
        "(comma-separated, or *): the client a limit counts is the one they report.",
    )
    debug: bool = False

    data_key_file: Path | None = Field(
        default=None, description="The data key file (default: keys/data-keys.json in the "
        "data directory), created with mode 0600 on first start.")
    secret_key_file: Path | None = Field(
        default=None, description="The application secret (default: keys/secret.key in the "
        "data directory), created with mode 0600 on first start.")

    signing_keys_dir: Path | None = Field(
        default=None, description="The registry's ES256 signing keys (default: keys/signing "
        "in the data directory), created on first start.")
    signing_key_file: Path | None = Field(
        default=None, description="An ES256 private key (PEM, mode 0600) made elsewhere: it "
        "becomes the signing key, and is kept among the signing keys so that what it signed "
        "still verifies after it is replaced.")
    confirmation_link_hours: int = Field(default=48, ge=1, le=30 * 24)
    public_actions_per_client_per_hour: int = Field(
        default=20, ge=1, le=100_000, description="Applications, complaints and requests for "
        "links one client (network address, as the proxy reports it; never stored) may send "
        "in an hour.")
    asked_mails_per_address_per_day: int = Field(
        default=3, ge=1, le=1000, description="Mails that someone of the public can cause "
        "to one address in a day (confirmation links, links to withdraw or to declare).")
    purge_unconfirmed_days: int = Field(default=7, ge=1, le=3650)
    purge_rejected_days: int = Field(default=90, ge=1, le=3650)
    question_answer_days: int = Field(
        default=30, ge=1, le=365, description="How long an applicant's link to answer the "
        "secretariat's question stays valid.")
    reaffirm_reminder_days: int = Field(
        default=30, ge=1, le=180, description="The re-affirmation reminder goes out this many "
        "days before the year is over.")
    reaffirm_grace_days: int = Field(
        default=30, ge=0, le=365, description="An accession not re-affirmed this many days "
        "after its year is over lapses.")
    withdrawal_cooling_off_days: int = Field(
        default=14, ge=1, le=365, description="A withdrawal takes effect after this many days; "
        "until then the signatory can cancel it.")
    supersede_grace_days: int = Field(
        default=180, ge=0, le=3650, description="When a new version comes into force, "
        "accessions to the old one stay valid this many days.")

    case_follow_up_window_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="The window in which wrong receipt codes "
        "for one case reference are counted.")
    case_follow_up_max_failures: int = Field(
        default=5, ge=1, le=1000, description="Wrong receipt codes for one reference within "
        "the window before it is refused for the rest of the window.")
    case_attachment_max_count: int = Field(default=5, ge=0, le=50)
    case_attachment_max_mb: int = Field(default=10, ge=1, le=20,
                                        description="The largest file of evidence.")
    case_attachments_max_total_mb: int = Field(default=20, ge=1, le=20,
                                               description="All the evidence sent at once.")
    # The stages of a case, in days (Principle 15 procedure).
    case_acknowledge_days: int = Field(default=5, ge=1, le=365, description="The secretariat "
                                       "acknowledges a case within this many days of filing.")
    case_admissibility_days: int = Field(default=14, ge=1, le=365, description="The panel "
                                         "decides whether a case is admissible.")
    case_answer_days: int = Field(default=21, ge=1, le=365, description="The respondent may "
                                  "answer the complaint.")
    case_review_days: int = Field(default=30, ge=1, le=365, description="The panel hears both "
                                  "sides and drafts a decision.")
    case_comment_days: int = Field(default=7, ge=1, le=365, description="Both parties may "
                                   "comment on the draft decision.")
    case_deliberation_days: int = Field(default=14, ge=1, le=365, description="The assigned "
                                        "members vote on the decision.")
    case_publication_days: int = Field(default=7, ge=1, le=365, description="The chair "
                                       "publishes a decision, or defers its text.")
    case_appeal_days: int = Field(default=14, ge=1, le=365, description="Either side may "
                                  "appeal a decision.")
    case_appeal_review_days: int = Field(default=30, ge=1, le=365, description="Another "
                                         "panel hears the appeal and decides.")
    case_panel_min: int = Field(default=3, ge=2, le=15, description="A panel shares a "
                                "draft and decides only with at least this many members who "
                                "confirmed having no conflict (and a decision needs at least "
                                "two in favour).")
    case_reminder_days: int = Field(default=2, ge=0, le=60, description="Staff are reminded "
                                    "of a case's deadline this many days before it.")
    case_interim_max_days: int = Field(default=90, ge=1, le=365, description="The longest "
                                       "interim suspension the chair and a second member "
                                       "may impose before a decision.")

    smtp_url: str = Field(
        default="", description="smtp://, smtp+starttls:// or smtps://[user:password@]host"
        "[:port]; empty writes .eml files into the data directory's outbox folder.")
    mail_from: str = "Principles Registry <registry@localhost>"
    mail_file_transport_allowed: bool = Field(
        default=False, description="Let a registry with an https:// base URL write its mail "
        "as .eml files (no REGISTRY_SMTP_URL): a plaintext copy of every message, live links "
        "included, on the server's disk. Without it such a registry refuses to start.")
    outbox_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    outbox_max_attempts: int = Field(default=12, ge=1, le=100)
    outbox_file_keep_minutes: int = Field(
        default=60, ge=1, le=7 * 24 * 60, description="An .eml file still in the outbox "
        "folder this many minutes after it was written is deleted (a tool that picks the "
        "files up deletes each one once it has delivered it).")

    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=7 * 24)
    enrolment_link_hours: int = Field(default=48, ge=1, le=30 * 24)
    password_min_length: int = Field(default=12, ge=8, le=128)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_max_failures_per_account: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_client: int = Field(default=20, ge=1, le=10000)
    login_max_failures_per_device: int = Field(
        default=5, ge=1, le=1000, description="Failed logins a browser that logged in to "
        "the account before (it holds the account's device cookie) may make per window; "
        "they do not count against the account's allowance for unknown clients, so that "
        "an attacker's failures do not lock the staff member out of their own browser.")
    login_device_cookie_days: int = Field(
        default=180, ge=1, le=730, description="How long the device cookie a successful "
        "login leaves in the browser is honoured.")

    @field_validator("base_url")
    @classmethod
    def _base_url_is_absolute(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("REGISTRY_BASE_URL must be an absolute http(s) URL")
        return value.rstrip("/")

    @property
    def data_key_path(self) -> Path:
        return self.data_key_file or self.data_dir / "keys" / "data-keys.json"

    @property
    def secret_key_path(self) -> Path:
        return self.secret_key_file or self.data_dir / "keys" / "secret.key"

    @property
    def signing_keys_path(self) -> Path:
        return self.signing_keys_dir or self.data_dir / "keys" / "signing"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            path = (self.data_dir / "registry.sqlite3").resolve()
            object.__setattr__(self, "database_url", f"sqlite:///{path}")
        return self
