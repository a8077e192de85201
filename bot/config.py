"""Settings: one declared table drives defaults, validation, loading and the README.

Values come from the environment first, then from `pregonero.toml` in the working
directory (keys are the setting names in lower case without the `PREGONERO_` prefix),
then the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

DEFAULT_API_URL = "https://api.telegram.org/bot"
# `pregonero demo`: the local emulator's bot token and port (named here so that messages
# outside the test kit can point at the demo without importing it)
DEMO_TOKEN = "100000001:PREGONERO-DEMO-TOKEN-local-emulator"
DEMO_PORT = 8081


def _parse_admins(raw: str) -> tuple[int, ...]:
    ids = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"PREGONERO_ADMINS: {part!r} is not a Telegram user id")
        ids.append(int(part))
    return tuple(ids)


def _parse_web(raw: str) -> tuple[str, int]:
    host, sep, port = raw.rpartition(":")
    if not sep or not port.isdigit() or not (0 <= int(port) <= 65535):
        raise ConfigError(f"PREGONERO_WEB: {raw!r} is not host:port (e.g. 127.0.0.1:8080)")
    return host or "127.0.0.1", int(port)


def _parse_timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"PREGONERO_TIMEZONE: unknown time zone {raw!r}") from exc
    return raw


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], object] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("PREGONERO_BOT_TOKEN", "", "the bot's Telegram token (from @BotFather)"),
    Setting("PREGONERO_API_URL", DEFAULT_API_URL,
            "Bot API base URL; calls go to <url><token>/<method>"),
    Setting("PREGONERO_DB", "pregonero.db", "path of the SQLite database"),
    Setting("PREGONERO_ADMINS", "", "comma-separated Telegram user ids that are admins",
            _parse_admins),
    Setting("PREGONERO_WEB", "127.0.0.1:8080", "host:port of the admin web app", _parse_web),
    Setting("PREGONERO_TIMEZONE", "America/Mexico_City", "default time zone of recipients",
            _parse_timezone),
    Setting("PREGONERO_MESSAGES", "messages", "content folder imported by `scripts/run`"),
    Setting("PREGONERO_WEB_URL", "", "public base URL of the web app, for sign-in links "
            "(default: http://<PREGONERO_WEB>)"),
)


@dataclass(frozen=True)
class Settings:
    bot_token: str = ""
    api_url: str = DEFAULT_API_URL
    db: Path = Path("pregonero.db")
    admins: tuple[int, ...] = ()
    web: tuple[str, int] = ("127.0.0.1", 8080)
    timezone: str = "America/Mexico_City"
    messages: Path = Path("messages")
    web_url: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def public_web_url(self) -> str:
        host, port = self.web
        return (self.web_url or f"http://{host}:{port}").rstrip("/")

    def require_token(self) -> str:
        if not self.bot_token:
            raise ConfigError(
                "PREGONERO_BOT_TOKEN is not set: create a bot with @BotFather in Telegram "
                "(/newbot), then export PREGONERO_BOT_TOKEN=<token>"
            )
        return self.bot_token


def load_settings(
    env: Mapping[str, str] | None = None, toml_path: Path | None = None
) -> Settings:
    """Read settings from the environment, then `pregonero.toml`, then the defaults."""
    env = os.environ if env is None else env
    toml_path = Path("pregonero.toml") if toml_path is None else toml_path
    file_values: dict[str, object] = {}
    if toml_path.is_file():
        try:
            file_values = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{toml_path}: {exc}") from exc
    raw: dict[str, str] = {}
    for setting in SETTINGS:
        key = setting.name.removeprefix("PREGONERO_").lower()
        value = env.get(setting.name)
        if value is None and key in file_values:
            found = file_values[key]
            value = (",".join(str(v) for v in found) if isinstance(found, list)
                     else str(found))
        raw[setting.name] = setting.default if value is None else value
    for setting in SETTINGS:  # every value is checked, in the table's order
        setting.parse(raw[setting.name])
    return Settings(
        bot_token=raw["PREGONERO_BOT_TOKEN"].strip(),
        api_url=raw["PREGONERO_API_URL"],
        db=Path(raw["PREGONERO_DB"]),
        admins=_parse_admins(raw["PREGONERO_ADMINS"]),
        web=_parse_web(raw["PREGONERO_WEB"]),
        timezone=raw["PREGONERO_TIMEZONE"],
        messages=Path(raw["PREGONERO_MESSAGES"]),
        web_url=raw["PREGONERO_WEB_URL"],
    )
