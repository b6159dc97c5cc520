"""Exceptions raised by the engine; every message is one line a user can act on."""


class EngineError(Exception):
    """Bad input or an impossible request; the message is shown to the user as is."""


class Cancelled(EngineError):
    """The user cancelled the job; nothing was written."""

    def __init__(self, message: str = "cancelled by the user") -> None:
        super().__init__(message)
