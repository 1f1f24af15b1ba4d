"""Stand-in for google.colab._message: the error a refused Drive sign-in raises."""

from __future__ import annotations

from google.colab import errors


class MessageError(errors.Error):  # type: ignore[misc]
    """Thrown on error response from frontend (as colabtools words it)."""
