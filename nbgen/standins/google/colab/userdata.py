"""Stand-in for google.colab.userdata (Colab Secrets): secret KEY is $COLAB_SECRET_KEY."""

from __future__ import annotations

import os
import re

from google.colab import errors


class NotebookAccessError(Exception):
    """The notebook has not been granted access to the secret."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Notebook does not have access to secret {key}")


class SecretNotFoundError(errors.Error):  # type: ignore[misc]
    """No secret of that name."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Secret {key} does not exist.")


class TimeoutException(errors.Error):  # type: ignore[misc]
    """The Colab UI did not answer in time."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Requesting secret {key} timed out. Secrets can only be fetched when running from "
            "the Colab UI."
        )


def get(key: str) -> str:
    """Return secret ``key`` from $COLAB_SECRET_<key>.

    $NBGEN_STANDIN_SECRETS=denied or =timeout makes every call raise the matching error. A
    name that is empty or holds whitespace is a ValueError, as in colabtools.
    """
    if not key or not isinstance(key, str):
        raise ValueError("Please enter a valid secret name")
    if re.search(r"\s", key):
        raise ValueError("Secret name cannot contain spaces or whitespace")
    mode = os.environ.get("NBGEN_STANDIN_SECRETS", "")
    if mode == "denied":
        raise NotebookAccessError(key)
    if mode == "timeout":
        raise TimeoutException(key)
    value = os.environ.get(f"COLAB_SECRET_{key}")
    if value is None:
        raise SecretNotFoundError(key)
    return value
