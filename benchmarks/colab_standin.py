"""Play a Colab runtime in this process for the checkpoint benchmarks: /content and MyDrive in
a scratch folder, the Drive stand-in mounted, its writes throttled as Drive's are (~20 MB/s),
and the working folder moved into the work folder on "Drive", as the Drive cell does."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def pretend_colab(drive_bytes_per_second: int) -> Path:
    """Return the scratch folder; afterwards the process sees Colab with a slow Drive."""
    root = Path(tempfile.mkdtemp(prefix="nbgen-bench-"))
    (root / "faults").write_text(f"slow:{drive_bytes_per_second}")
    os.environ.pop("KAGGLE_KERNEL_RUN_TYPE", None)
    os.environ.update(COLAB_RELEASE_TAG="standin", NBGEN_CONTENT_ROOT=str(root / "content"),
                      NBGEN_STANDIN_DRIVE=str(root / "MyDrive"),
                      NBGEN_STANDIN_DRIVE_FAULTS=str(root / "faults"))  # fmt: skip
    sys.path.insert(0, str(REPO / "nbgen" / "standins"))
    from google.colab import drive  # the stand-in

    drive.mount("/content/drive")
    work = root / "content" / "drive" / "MyDrive" / "proj"
    work.mkdir(parents=True)
    os.chdir(work)
    return root
