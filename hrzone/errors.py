"""One error hierarchy for hrzone.

Library code raises these with a message a user can act on; only the CLI turns them into a
one-line message and exit code 1.
"""

from __future__ import annotations


class HrzoneError(Exception):
    """Base class of every error hrzone reports to a user."""


class RecordingFormatError(HrzoneError):
    """A recording file is missing, empty, corrupt or of an unknown version."""


class ImportFormatError(HrzoneError):
    """A workout file from another device (FIT, TCX, GPX, CSV) cannot be read."""


class NotAWorkout(ImportFormatError):
    """A file that is not a workout at all (an image, a PDF, another app's JSON, a wellness FIT
    file, a route): skipped with its short reason inside folders and archives, an error when
    named alone. `short`: the reason without details of this file (to group skips by)."""

    def __init__(self, message: str, short: str | None = None) -> None:
        super().__init__(message)
        self.short = short


class ThresholdError(HrzoneError):
    """Intensity thresholds or the values they are computed from are impossible."""


class ThresholdsIncomplete(ThresholdError):
    """Thresholds cannot be computed yet: a value they need is missing (nothing contradicts)."""


class ProfileError(HrzoneError):
    """The user profile or a firmware profile has a bad key or value."""


class DeviceNotFoundError(HrzoneError):
    """No heart-rate strap matching the request was found."""


class DeviceError(HrzoneError):
    """A Bluetooth operation failed in a way hrzone cannot recover from."""


class PlanError(HrzoneError):
    """A simulator workout plan cannot be understood."""


class StoreError(HrzoneError):
    """The session history database cannot be read or written."""


class AudioError(HrzoneError):
    """Speech or audio output failed."""


class SessionStopped(HrzoneError):
    """A live session was stopped (Ctrl-C or a signal) before it had started."""
