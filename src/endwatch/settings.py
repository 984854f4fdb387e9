"""Settings from ENDWATCH_* environment variables, built on demand (never at import time)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from endwatch.domain.deadlines import time_zone as _time_zone


def _default_home() -> Path:
    return Path.home() / ".endwatch"


class Settings(BaseSettings):
    """Everything endwatch reads from its environment. Every field is documented in docs/operations.md."""

    model_config = SettingsConfigDict(env_prefix="ENDWATCH_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Folder for the SQLite file and evidence.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite at $ENDWATCH_HOME/endwatch.db"
    )
    token: SecretStr | None = Field(
        default=None, description="API token the command line acts with (wins over a session from `endwatch login`)."
    )
    session_hours: float = Field(
        default=8.0, gt=0, le=24 * 30,
        description="How long a command-line session (`endwatch login`) lasts; then its token expires.",
    )
    write_wait_seconds: float = Field(
        default=10.0, gt=0, le=3600,
        description="How long a write waits for the database's write lock before giving up (HTTP 503, retry).",
    )
    max_future_days: int = Field(
        default=366, ge=0, le=36600,
        description="How many days ahead a permit's status event (a suspension, a revocation) may be dated.",
    )
    audit_key_file: Path | None = Field(
        default=None, description="The Ed25519 private key that signs audit checkpoints (keep it outside the"
        " database; `endwatch audit keygen` makes one)."
    )
    min_cell_permits: int = Field(
        default=3, ge=1, le=1000,
        description="Public figures suppress a cell counting fewer permits than this (docs/transparency.md).",
    )
    public_refresh_seconds: int = Field(
        default=300, ge=0, le=86_400,
        description="Public figures are recomputed in the background after a change at most this often; until then"
        " the figures kept are served (docs/transparency.md).",
    )
    min_cell_exporters: int = Field(
        default=3, ge=1, le=1000,
        description="Public figures suppress a cell whose permits come from fewer exporters than this.",
    )
    screening_threshold: float = Field(
        default=80.0, ge=0.0, le=100.0,
        description="The authority's screening threshold: a party scoring this (0-100) or more against a listed"
                    " entity is a hit.")
    screening_review_four_eyes: bool = Field(
        default=False,
        description="Whether dismissing a screening hit takes two officers: the dismissal is in force once a"
                    " second, different officer dismisses it too.")
    screening_strong: float = Field(
        default=95.0, ge=0.0, le=100.0,
        description="The authority's strong-hit score: a hit scoring this (0-100) or more is treated as the listed"
                    " entity itself (the screening indicator is critical; the party counts as restricted).")
    time_zone: str = Field(
        default="UTC",
        description="The authority's time zone (an IANA name such as Europe/Berlin): the day things are dated and"
                    " fall due in, and the day a deadline passes (docs/monitoring.md).")
    remind_days_before: int = Field(
        default=7, ge=0, le=365,
        description="How many days before its due day an unanswered trace request or inquiry is reminded (once).")
    escalate_days_after: int = Field(
        default=1, ge=1, le=365,
        description="How many days after its due day an unanswered one is escalated (once): 1 is its first day"
                    " overdue.")
    escalation_email: str | None = Field(
        default=None,
        description="The authority's own mailbox: escalations are copied to it, and it is reminded of what the"
                    " authority owes (answers to incoming trace requests).")
    max_body_bytes: int = Field(
        default=1 << 20, ge=1024, description="Largest request body of JSON or a form (413 beyond, before parsing)."
    )
    max_upload_bytes: int = Field(
        default=25 << 20, ge=1024, description="Largest multipart upload (a sighting's photo of at most 20 MB and"
        " its form), streamed to disk."
    )
    max_query_bytes: int = Field(default=8 << 10, ge=256, description="Longest query string (414 beyond).")
    max_header_bytes: int = Field(default=16 << 10, ge=1024, description="Largest request head (request line and"
                                  " headers) the server reads (`endwatch serve`).")
    search_per_minute: int = Field(
        default=30, ge=1, le=100_000, description="Searches a principal may make in a minute (429 with Retry-After"
        " beyond), so that serials cannot be enumerated.")
    max_json_depth: int = Field(default=32, ge=2, le=200, description="Deepest nesting of a JSON body.")
    authority: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="This authority's identifier in exchanges with partner authorities (`endwatch partners`): the"
                    " name partners register it under.")
    partner_max_items: int = Field(
        default=2_500_000, ge=1024, le=100_000_000,
        description="Most blinded items (two per serial: exact and folded, padded) a partner's exchange file may"
                    " hold, unless the partner has its own limit (`endwatch partners add --max-items`).")
    partner_max_exchanges: int = Field(
        default=4, ge=1, le=10_000,
        description="Most exchanges with one partner (started by either side) in any 30 days, unless the partner"
                    " has its own limit (`endwatch partners add --max-exchanges`).")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "endwatch@localhost"
    smtp_timeout: float = Field(default=10.0, description="Seconds to wait for the SMTP server.")
    smtp_retry_seconds: int = Field(
        default=60, description="First back-off after a failed delivery; doubles each time."
    )
    smtp_retry_max_seconds: int = Field(default=6 * 3600, description="Longest back-off between delivery attempts.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS before sending.")
    smtp_ca_file: Path | None = Field(default=None, description="CA file trusted for STARTTLS (default: system).")
    smtp_username: str | None = Field(default=None, description="Log in to the SMTP server as this user.")
    smtp_password: SecretStr | None = Field(default=None, description="Password for ENDWATCH_SMTP_USERNAME.")

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        _time_zone(value)  # ValueError naming the value when it is not an IANA name
        return value.strip()

    @field_validator("escalation_email")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if "@" not in value or any(c.isspace() for c in value.strip()):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value.strip()

    @property
    def zone(self) -> ZoneInfo:
        """The authority's time zone (ENDWATCH_TIME_ZONE) as a tzinfo for the deadline arithmetic."""
        return _time_zone(self.time_zone)

    @property
    def effective_database_url(self) -> str:
        """The database URL in use: ENDWATCH_DATABASE_URL, or the embedded SQLite file under home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'endwatch.db'}"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with keyword overrides taking precedence."""
    return Settings(**overrides)  # type: ignore[arg-type]
