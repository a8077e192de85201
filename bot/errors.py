"""Named errors raised by the library and turned into one-line messages at the edges."""


class PregoneroError(Exception):
    """Base class: its message is meant for people, one line, no traceback."""


class ConfigError(PregoneroError):
    """A setting is missing or has a value that cannot be used."""


class NotFound(PregoneroError):
    """Something named by the user (a card, a campaign, an invite) does not exist."""


class InvalidInput(PregoneroError):
    """The user gave a value that cannot be used (a date, a segment, a duration)."""


class ContentError(PregoneroError):
    """A problem in a content file, reported as `path:line: message`."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class DatabaseError(PregoneroError):
    """The database is missing, empty, busy, read-only, full or damaged (one line)."""
