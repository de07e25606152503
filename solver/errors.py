"""The project's errors: one base class, one subclass per way a run can fail.

The command line maps each to an exit status and prints its message as one line. Errors of
presentation and orchestration (TeX failing, an output folder that cannot be written) are
declared where they arise, as subclasses of :class:`HW3Error`.
"""


class HW3Error(Exception):
    """Anything the tool reports to the user as one line and an exit status."""

    exit_status = 1


class InputError(HW3Error):
    """A file the user gave is missing, unreadable, or does not fit its schema."""

    exit_status = 2


class ConfigError(InputError):
    """The instance file is missing, not TOML, or does not fit the schema."""


class DivergedError(InputError):
    """Gradient descent overflowed: the config's learning rate is too large for the instance."""


class VerificationError(HW3Error):
    """An independent check disagrees with the solver's numbers beyond its threshold: a bug
    in the solver (or a tampered file), never the instance's fault; nothing is published."""
