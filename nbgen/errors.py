"""The one error family a user can cause; the CLI maps it to exit code 1."""

from __future__ import annotations


class NbgenError(Exception):
    """A mistake the user can fix: the message names the file or option and the fix."""


class UsageError(NbgenError):
    """A bad command-line option or spec value."""


class NotebookError(NbgenError):
    """A notebook or paired text file that cannot be read or converted."""


class ConflictError(NbgenError):
    """Both sides of a pair changed: nothing is written."""
