"""Stand-in for google.colab.files: the "upload" is the file named by $NBGEN_STANDIN_UPLOAD."""

from __future__ import annotations

import os


def upload(target_dir: str = "") -> dict[str, bytes]:
    """As Colab's: write each picked file into ``target_dir`` (default: the current folder),
    under a fresh name if one is taken (``kaggle (1).json``), print ``Saving X to Y`` and
    return ``{local_filename: bytes}``. The file picked is $NBGEN_STANDIN_UPLOAD; with none
    set, the user "cancels" and nothing is returned."""
    source = os.environ.get("NBGEN_STANDIN_UPLOAD")
    if not source:
        return {}
    with open(source, "rb") as f:
        data = f.read()
    name = os.path.basename(source)
    stem, ext = os.path.splitext(name)
    local, n = os.path.join(target_dir, name), 1
    while os.path.exists(local):
        local, n = os.path.join(target_dir, f"{stem} ({n}){ext}"), n + 1
    with open(local, "wb") as f:
        f.write(data)
    print(f"Saving {name} to {local}")
    return {local: data}


def download(filename: str) -> None:
    """Nothing to download to: the file is already on this machine."""
    print(f"(local run) {filename} is already on this machine")
