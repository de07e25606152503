"""The project's errors: one base class, one subclass per way a build can fail.

The command line maps each to an exit status and prints its message as one line.
"""


class HW3Error(Exception):
    """Anything the tool reports to the user as one line and an exit status."""

    exit_status = 1


class ConfigError(HW3Error):
    """The instance file is missing, not TOML, or does not fit the schema."""

    exit_status = 2


class TexError(HW3Error):
    """TeX is missing, failed, or timed out; ``log`` is TeX's log when there was one."""

    exit_status = 1

    def __init__(self, message: str, log: str | None = None) -> None:
        super().__init__(message)
        self.log = log
