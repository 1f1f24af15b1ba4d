"""Stand-in for google.colab.errors."""


class Error(Exception):
    """Base class for Colab errors."""
