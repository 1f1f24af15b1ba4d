"""Stand-in for google.colab._message: the error a refused Drive sign-in raises."""

from __future__ import annotations


class MessageError(RuntimeError):
    """An error answer from the Colab front end."""
