"""Configuration from the environment, with defaults that run on a laptop.

Secrets have development defaults only; with TOPTRAJECT_ENV=production a missing
secret is an error instead of a silent default. The defaults are known to everyone
(they are in this file), so they only ever serve on loopback: a service that listens
beyond this machine needs real secrets, or the assistant refuses to start.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"

# Long enough for HS256 (PyJWT warns below 32 bytes); public, so refused off loopback.
_DEV_SECRET = "dev-only-secret-change-me-not-for-production"


class ConfigurationError(RuntimeError):
    """Raised when the environment does not describe a usable configuration."""


def _sqlite_url(filename: str) -> str:
    return f"sqlite:///{VAR_DIR / filename}"


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    tracker_database_url: str
    secret_key: str
    rasa_host: str
    rasa_port: int
    rasa_token: str
    action_host: str
    action_port: int
    web_host: str
    web_port: int
    nudge_days_ahead: int = 7
    # "HH:MM-HH:MM" in Dutch time; no nudges or campaign messages are sent in this span.
    nudge_quiet_hours: str = "21:00-08:00"
    # How often the web app runs the nudge job; 0 switches it off (tests, or cron instead).
    nudge_every_minutes: int = 60
    # At most this many messages (nudges and campaign messages) per person in 7 days.
    messages_per_week: int = 2
    # How often the web app runs the campaign job; 0 switches it off.
    campaign_every_minutes: int = 5
    # Handoffs: office hours (Dutch time, Monday to Friday) and answer deadlines.
    office_hours: str = "08:30-16:30"
    urgent_deadline_minutes: int = 60
    normal_deadline_school_days: int = 1
    # Region of anonymous conversations, for the regional coordinator.
    default_region: str = "twente"
    # A live handover goes back to the bot after this many minutes without a message
    # from either side, unless the coordinator paused the bot.
    handover_quiet_minutes: int = 20
    # Where outbox notifications are POSTed (a Teams, Slack or mail gateway); empty: kept.
    notify_webhook_url: str = ""
    # Where browsers reach Rasa's socket.io channel; empty: the Rasa server's own address.
    # Set it when Rasa sits behind a proxy (https://chat.school.nl).
    chat_socket_url: str = ""
    # Addresses of reverse proxies in front of the web app: only from these is the
    # client's address taken from X-Forwarded-For (for the per-client login limit).
    trusted_proxies: tuple[str, ...] = ()
    # Check-ins that could not be stored at once wait here until the database answers.
    kept_dir: Path = VAR_DIR / "kept"
    # Seconds Rasa waits for a custom action before the user gets "even geduld".
    action_timeout_seconds: int = 20
    # Limits per client address in an hour (bot/identity/throttle.py): wrong koppelcodes,
    # and new handoffs (risk excepted). Raise them for a school behind one address.
    code_tries_per_address: int = 20
    handoffs_per_address: int = 20
    # The outbox: seconds before the first retry (then doubling), and per delivery.
    outbox_first_retry_seconds: int = 10
    outbox_timeout_seconds: int = 10
    # Mail to coordinators (infra/mail.py); no SMTP_HOST: mails wait in the outbox.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    # "starttls" (port 587), "tls" (port 465) or "none" (a relay on this machine only).
    smtp_security: str = "starttls"
    mail_from: str = "Toptraject inbox <inbox@toptraject.example.org>"
    # Where coordinators open the inbox, for the link in a mail; empty: this web app.
    public_web_url: str = ""
    # Several Rasa servers (docs/deployment.md): Redis holds their conversation locks and
    # carries the bot's socket.io messages between them. Empty: one Rasa server, with
    # Rasa's in-memory lock store.
    redis_url: str = ""

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}/webhook"

    @property
    def web_url(self) -> str:
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def public_inbox_url(self) -> str:
        return (self.public_web_url or self.web_url).rstrip("/")

    @property
    def public_socket_url(self) -> str:
        return (self.chat_socket_url or self.rasa_url).rstrip("/")


def _secret(env: dict[str, str], name: str, production: bool) -> str:
    value = env.get(name, "")
    if value:
        return value
    if production:
        raise ConfigurationError(f"{name} must be set when TOPTRAJECT_ENV=production")
    return _DEV_SECRET


def _port(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    try:
        port = int(raw)
    except ValueError as error:
        raise ConfigurationError(f"{name} must be a port number, not {raw!r}") from error
    if not 0 < port < 65536:
        raise ConfigurationError(f"{name} must be between 1 and 65535, not {port}")
    return port


def _time_span(env: dict[str, str], name: str, default: str) -> str:
    raw = env.get(name, default)
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", raw.strip()):
        raise ConfigurationError(f"{name} must look like {default}, not {raw!r}")
    return raw.strip()


def _whole_number(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    if not raw.isdigit():
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


def _redis_address(env: dict[str, str], name: str) -> str:
    raw = env.get(name, "").strip()
    if raw and not re.fullmatch(r"rediss?://\S+", raw):
        raise ConfigurationError(f"{name} must look like redis://:password@host:6379/0")
    return raw


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = env.get(name, default).strip().lower()
    if raw not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _web_address(env: dict[str, str], name: str) -> str:
    raw = env.get(name, "").strip()
    if raw and not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?/?", raw):
        raise ConfigurationError(f"{name} must look like https://chat.example.nl, not {raw!r}")
    return raw


def _ip_addresses(env: dict[str, str], name: str) -> tuple[str, ...]:
    addresses = tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError as error:
            raise ConfigurationError(f"{name} must list IP addresses, not {address!r}") from error
    return addresses


MIN_SECRET_LENGTH = 32


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False


def _safe_off_the_laptop(settings: Settings) -> Settings:
    """Refuses development secrets (or short ones) on a service reachable from outside."""
    exposed = [
        f"{name}={host}"
        for name, host in (
            ("RASA_HOST", settings.rasa_host),
            ("ACTION_HOST", settings.action_host),
            ("WEB_HOST", settings.web_host),
        )
        if not is_loopback(host)
    ]
    weak = [
        name
        for name, value in (
            ("SECRET_KEY", settings.secret_key),
            ("RASA_TOKEN", settings.rasa_token),
        )
        if value == _DEV_SECRET or len(value) < MIN_SECRET_LENGTH
    ]
    if (
        settings.smtp_host
        and settings.smtp_security == "none"
        and not is_loopback(settings.smtp_host)
    ):
        raise ConfigurationError(
            "SMTP_SECURITY=none sends mail and its password unencrypted: only to a relay on "
            f"this machine, not to {settings.smtp_host} (use starttls or tls)."
        )
    if exposed and weak:
        raise ConfigurationError(
            f"{' and '.join(weak)} must be set to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters when a service listens beyond this machine "
            f"({', '.join(exposed)}); the development defaults are public."
        )
    return settings


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    environment = env.get("TOPTRAJECT_ENV", "development")
    production = environment == "production"
    return _safe_off_the_laptop(_read_settings(env, environment, production))


def _read_settings(env: dict[str, str], environment: str, production: bool) -> Settings:
    return Settings(
        environment=environment,
        database_url=env.get("DATABASE_URL", _sqlite_url("toptraject.db")),
        tracker_database_url=env.get("TRACKER_DATABASE_URL", _sqlite_url("rasa_tracker.db")),
        secret_key=_secret(env, "SECRET_KEY", production),
        rasa_host=env.get("RASA_HOST", "127.0.0.1"),
        rasa_port=_port(env, "RASA_PORT", 5005),
        rasa_token=_secret(env, "RASA_TOKEN", production),
        action_host=env.get("ACTION_HOST", "127.0.0.1"),
        action_port=_port(env, "ACTION_PORT", 5055),
        web_host=env.get("WEB_HOST", "127.0.0.1"),
        web_port=_port(env, "WEB_PORT", 8080),
        nudge_days_ahead=_whole_number(env, "NUDGE_DAYS_AHEAD", 7),
        nudge_quiet_hours=_time_span(env, "NUDGE_QUIET_HOURS", "21:00-08:00"),
        office_hours=_time_span(env, "OFFICE_HOURS", "08:30-16:30"),
        urgent_deadline_minutes=_whole_number(env, "URGENT_DEADLINE_MINUTES", 60),
        normal_deadline_school_days=_whole_number(env, "NORMAL_DEADLINE_SCHOOL_DAYS", 1),
        default_region=env.get("DEFAULT_REGION", "twente"),
        notify_webhook_url=env.get("NOTIFY_WEBHOOK_URL", ""),
        handover_quiet_minutes=_whole_number(env, "HANDOVER_QUIET_MINUTES", 20),
        nudge_every_minutes=_whole_number(env, "NUDGE_EVERY_MINUTES", 60),
        messages_per_week=_whole_number(env, "MESSAGES_PER_WEEK", 2),
        campaign_every_minutes=_whole_number(env, "CAMPAIGN_EVERY_MINUTES", 5),
        chat_socket_url=_web_address(env, "CHAT_SOCKET_URL"),
        trusted_proxies=_ip_addresses(env, "TRUSTED_PROXIES"),
        kept_dir=Path(env["KEPT_DIR"]) if env.get("KEPT_DIR") else VAR_DIR / "kept",
        action_timeout_seconds=_whole_number(env, "ACTION_TIMEOUT_SECONDS", 20),
        code_tries_per_address=_whole_number(env, "CODE_TRIES_PER_ADDRESS", 20),
        handoffs_per_address=_whole_number(env, "HANDOFFS_PER_ADDRESS", 20),
        outbox_first_retry_seconds=_whole_number(env, "OUTBOX_FIRST_RETRY_SECONDS", 10),
        outbox_timeout_seconds=_whole_number(env, "OUTBOX_TIMEOUT_SECONDS", 10),
        smtp_host=env.get("SMTP_HOST", "").strip(),
        smtp_port=_port(env, "SMTP_PORT", 25),
        smtp_username=env.get("SMTP_USERNAME", ""),
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_security=_choice(env, "SMTP_SECURITY", ("starttls", "tls", "none"), "starttls"),
        mail_from=env.get("MAIL_FROM", "Toptraject inbox <inbox@toptraject.example.org>"),
        public_web_url=_web_address(env, "PUBLIC_WEB_URL"),
        redis_url=_redis_address(env, "REDIS_URL"),
    )
