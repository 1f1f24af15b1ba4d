"""Stand-in for google.colab.files: uploads need the Colab UI."""

from __future__ import annotations


def upload(target_dir: str = "") -> dict[str, bytes]:
    """Always raises: there is no browser to pick a file in."""
    raise RuntimeError(
        "files.upload() needs the Colab browser UI, which a local run does not have; "
        "put the file in the work folder instead"
    )


def download(filename: str) -> None:
    """Nothing to download to: the file is already on this machine."""
    print(f"(local run) {filename} is already on this machine")
