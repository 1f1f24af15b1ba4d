"""The background save: the training thread hands over a snapshot in CPU memory and goes on;
this thread serialises it to the runtime's own disk (sha256 and size taken while writing),
copies it to Drive under a temporary name, flushes it (``fsync``), checks its size, renames it
into place, appends the metrics, and writes the manifest last. A kill or a Drive failure at any
moment leaves the previous checkpoint whole.

When Drive fails (``ENOTCONN`` "Transport endpoint is not connected", ``ENOENT`` for a mount
that vanished, ``ENOSPC`` for a full Drive), the checkpoint stays on local disk, one line says
so, and the next save tries Drive again, mounting it again once first when the mount itself is
gone. Lines are queued here and printed by the training thread, in the cell that trains.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import threading
from pathlib import Path
from typing import IO, Any, NamedTuple

from nbgen.runtime.ownership.files import stream_file
from nbgen.runtime.ownership.folders import make_folder
from nbgen.runtime.ownership.proofs import owns, stamp_proof
from nbgen.runtime.platforms.env import NotebookStepError
from nbgen.runtime.training.manifest import (
    FOLDER_KIND,
    add_entry,
    append_metrics,
    checkpoint_file,
    checkpoint_proof,
    clean_leftovers,
    new_entry,
)
from nbgen.runtime.training.places import DRIVE_GONE, CheckpointPlaces, remount_drive
from nbgen.runtime.training.text import _ckpt_defaults, _ckpt_say

_CKPT_CHUNK = 8 << 20


class SaveJob(NamedTuple):
    """One checkpoint to write: after ``done`` steps."""

    done: int
    payload: dict[str, Any]
    rows: list[dict[str, Any]]  # metrics of each step since the last save
    metrics: dict[str, Any]  # the last row, for the manifest
    epoch: int


class _CkptHashing:
    """A file wrapper that takes the sha256 and size of what goes through it."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f, self.sha, self.size = f, hashlib.sha256(), 0

    def write(self, data: Any) -> int:
        self.sha.update(data)
        self.size += memoryview(data).nbytes
        return self.f.write(data)

    def flush(self) -> None:
        self.f.flush()


class CheckpointSaver:
    """Writes :class:`SaveJob` objects one at a time in a daemon thread. A job handed over while
    another is still being written waits; a newer one replaces a waiting one (its metrics are
    kept), so the training loop never waits for Drive."""

    def __init__(self, places: CheckpointPlaces, name: str, keep: int, lang: str, seq: int):
        self.places, self.name, self.keep, self.lang, self.seq = places, name, keep, lang, seq
        self._cond = threading.Condition()
        self._pending: SaveJob | None = None
        self._busy = False
        self._lines: list[str] = []
        self._thread: threading.Thread | None = None
        self._cleaned = False
        self.outage = False  # Drive failed at the last save
        self._gone = False  # ... because the mount itself went away
        self._remounted = False  # this outage's one remount is spent
        self.wrote_drive = False
        self.last: tuple[int, Path] | None = None  # steps done and where, of the newest copy
        self.last_job: SaveJob | None = None  # the last job, while Drive did not take it
        self._unlisted: list[str] = []  # copied to Drive, but its manifest could not be written
        self._backlog: list[dict[str, Any]] = []  # metrics of saves that did not reach Drive

    def drop_waiting(self) -> list[dict[str, Any]]:
        """Forget a job not yet started (a newer one comes) and return its metrics, so no more
        than two copies of the state are ever in memory."""
        with self._cond:
            job, self._pending = self._pending, None
        return job.rows if job is not None else []

    def submit(self, job: SaveJob) -> None:
        """Queue ``job``; return at once."""
        with self._cond:
            if self._pending is not None:
                job = job._replace(rows=[*self._pending.rows, *job.rows])
            self._pending = job
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="nbgen-checkpoints",
                                                daemon=True)  # fmt: skip
                self._thread.start()
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued job is written; False if ``timeout`` ran out first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._busy and self._pending is None, timeout)

    def lines(self) -> list[str]:
        """The lines the thread has to say since the last call."""
        with self._cond:
            lines, self._lines = self._lines, []
        return lines

    def _say(self, key: str, **fields: Any) -> None:
        with self._cond:
            self._lines.append(_ckpt_say(self.lang, key, **fields))

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None)
                job, self._pending, self._busy = self._pending, None, True
            assert job is not None
            try:
                self._save(job)
                self.last_job = job if self.outage else None  # kept only to retry Drive
            except (OSError, NotebookStepError) as exc:
                self._say("save_failed", step=job.done, detail=_ckpt_why(exc))
            except Exception as exc:  # a state that cannot be pickled: say so, keep training
                self._say("save_failed", step=job.done, detail=repr(exc)[:200])
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _save(self, job: SaveJob) -> None:
        self.seq += 1
        file = checkpoint_file(job.done)
        folder, local = self.places.folder, self.places.local
        if not self._cleaned:  # what a killed save left, before anything new
            self._cleaned = True
            for where in filter(None, (local, folder)):
                with contextlib.suppress(OSError, NotebookStepError):
                    if owns(where, stamp_proof(FOLDER_KIND)):
                        clean_leftovers(where)
        if local is None:
            self._folder(folder)
            entry = self._write(folder / file, job, fsync=True)
            self._record(folder, entry, job)
            self.last = (job.done, folder / file)
            return
        self._folder(local)
        entry = self._write(local / file, job, fsync=False)  # lost with the runtime anyway
        self.last = (job.done, local / file)
        on_drive = False
        try:
            on_drive = self._to_drive(local / file, entry, job)
        finally:  # listed locally whatever Drive did, so local rotation finds it
            add_entry(local, self.name, {**entry, "drive": on_drive}, self.keep, self.lang,
                      fsync=False)  # fmt: skip

    def _to_drive(self, source: Path, entry: dict[str, Any], job: SaveJob) -> bool:
        folder = self.places.folder
        if self.outage and self._gone and not self._remounted:
            self._remounted = True
            self._say("remount")
            detail = remount_drive()
            if detail:
                self._say("remount_failed", detail=detail)
        try:
            self._folder(folder)
            target = folder / source.name
            with open(source, "rb") as data, stream_file(
                target, proof=checkpoint_proof(folder, target.name, self.name), size=entry["size"],
                lang=self.lang,
            ) as out:  # fmt: skip
                while chunk := data.read(_CKPT_CHUNK):
                    out.write(chunk)
            self._unlisted.append(target.name)
            self._record(folder, entry, job)
            self._unlisted = []
        except (OSError, NotebookStepError) as exc:
            number = getattr(exc, "errno", None)
            if number is None and not isinstance(exc, OSError):
                raise  # a refusal (a folder of the user's): not Drive's fault
            self.outage, self._gone = True, number in DRIVE_GONE
            full = number in (errno.ENOSPC, errno.EDQUOT)
            key = "drive_full" if full else "drive_down"
            self._say(key, step=job.done, path=source, detail=_ckpt_why(exc))
            self._backlog = [*self._backlog, *job.rows]
            return False
        if self.outage:
            self._say("drive_back", step=job.done)
        self.outage = self._gone = self._remounted = False
        self.wrote_drive = True
        self.last = (job.done, target)
        return True

    def _folder(self, folder: Path) -> None:
        make_folder(folder, FOLDER_KIND, lang=self.lang, name=self.name)

    def _write(self, path: Path, job: SaveJob, *, fsync: bool) -> dict[str, Any]:
        import torch

        with stream_file(path, proof=checkpoint_proof(path.parent, path.name, self.name),
                         fsync=fsync, lang=self.lang) as f:  # fmt: skip
            hashing = _CkptHashing(f)
            torch.save(job.payload, hashing)  # type: ignore[arg-type]
        return new_entry(job.done, hashing.size, hashing.sha.hexdigest(), self.seq, job.metrics,
                         job.epoch)  # fmt: skip

    def _record(self, folder: Path, entry: dict[str, Any], job: SaveJob) -> None:
        on_drive = folder == self.places.folder and self.places.local is not None
        append_metrics(folder, [*self._backlog, *job.rows] if on_drive else job.rows, self.lang)
        if on_drive:
            self._backlog = []
        retire = (
            tuple(f for f in self._unlisted if f != entry["file"])
            if folder == self.places.folder
            else ()
        )
        deleted = add_entry(folder, self.name, entry, self.keep, self.lang, retire)
        said = _ckpt_defaults["said"]
        if (
            deleted
            and self.places.on_drive
            and folder == self.places.folder
            and "trash" not in said
        ):
            said.add("trash")
            self._say("trash")


def _ckpt_why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
