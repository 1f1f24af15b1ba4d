"""Stand-in for Kaggle's ``kaggle_secrets``: secret NAME is $KAGGLE_SECRET_NAME.

Same class names and exceptions as the real module (which asks Kaggle's secrets service):
``get_secret`` raises BackendError for a secret that is not attached to the notebook,
ValidationError for an empty label, and ConnectionError when the notebook's Internet is off
($NBGEN_STANDIN_KAGGLE_SECRETS=offline here).
"""

from __future__ import annotations

import os


class CredentialError(Exception):
    """No secrets service for this session."""


class BackendError(Exception):
    """The service did not give the secret (not attached, or unexpected answer)."""


class ValidationError(Exception):
    """A label the service cannot take (empty)."""


class UserSecretsClient:
    """Reads the notebook's attached secrets."""

    def get_secret(self, label: str) -> str:
        if label is None or len(label) == 0:
            raise ValidationError("Label must be non-empty.")
        if os.environ.get("NBGEN_STANDIN_KAGGLE_SECRETS") == "offline":
            raise ConnectionError(
                "Timeout error trying to communicate with service. Please ensure internet is on."
            )
        value = os.environ.get(f"KAGGLE_SECRET_{label}")
        if value is None:
            raise BackendError("Unexpected response from the service. Response: {'errors': "
                               f"['No user secrets exist for kernel id 1 and label {label}.']}}")  # fmt: skip
        return value
