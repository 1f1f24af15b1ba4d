"""``nbgen.Checkpoints``: a training loop, unchanged in shape, that survives a recycled runtime.

::

    ckpt = nbgen.Checkpoints("resnet-run1", model=model, optimizer=optimizer,
                             scheduler=scheduler, scaler=scaler, every=200, keep=3)
    start = ckpt.resume()
    loader = ckpt.loader(train_set, batch_size=128, shuffle=True, seed=0, num_workers=2)
    for step, (x, y) in zip(range(start, total_steps), loader):
        loss = train_step(x, y)
        ckpt.step(step, loss=loss)
    ckpt.save(step, final=True)

With torchrun every process makes the same calls: rank 0 writes, every rank resumes from the
checkpoint rank 0 chose, each with its own random state, and the loader shards like
DistributedSampler.
"""

from __future__ import annotations

import atexit
import weakref
from typing import Any

from nbgen.runtime.training.load import BadCheckpoint, load_checkpoint
from nbgen.runtime.training.manifest import candidates, prepare_folders
from nbgen.runtime.training.places import check_run_name, checkpoint_places, flush_drive
from nbgen.runtime.training.ranks import (
    dist_info,
    gather_rng,
    rank0_first,
    share,
)
from nbgen.runtime.training.saver import CheckpointSaver, SaveJob
from nbgen.runtime.training.state import (
    check_arguments,
    check_fit,
    cpu_copy,
    plain_number,
    restore_rng,
    rng_state,
    unwrap,
)
from nbgen.runtime.training.stream import CheckpointStream
from nbgen.runtime.training.text import (
    CheckpointError,
    _ckpt_age,
    _ckpt_defaults,
    _ckpt_metrics,
    _ckpt_say,
)

_ckpt_live: weakref.WeakSet[Checkpoints] = weakref.WeakSet()


class Checkpoints:
    """Checkpoints of one run, saved every ``every`` steps, the newest ``keep`` kept.

    ``model`` is a ``torch.nn.Module``; ``optimizer``, ``scheduler`` and ``scaler`` (a
    GradScaler) anything with ``state_dict``/``load_state_dict``; ``extra`` (a dict) keeps
    anything else. ``root`` overrides the folder that holds the runs' folders.
    """

    def __init__(
        self, name: str, *, model: Any, optimizer: Any = None, scheduler: Any = None,
        scaler: Any = None, every: int = 500, keep: int = 3, root: Any = None,
        lang: str | None = None,
    ) -> None:  # fmt: skip
        self.lang = lang = lang or _ckpt_defaults["lang"]
        self.name = check_run_name(name, lang)
        self.parts = {"optimizer": optimizer, "scheduler": scheduler, "scaler": scaler}
        check_arguments(model, self.parts, every=every, keep=keep, lang=lang)
        self.model, self.every, self.keep = model, every, keep
        self.rank, self.world = dist_info()
        root = root if root is not None else _ckpt_defaults.get("root")  # the cell's folder
        self.places = checkpoint_places(self.name, root, lang)
        self.extra: dict[str, Any] = {}
        self._stream: CheckpointStream | None = None
        self._position: dict[str, Any] | None = None
        self._rows: list[dict[str, Any]] = []
        self._resumed, self._saved = False, 0
        self._last_step: int | None = None
        self._payload: dict[str, Any] | None = None
        existing, seq = rank0_first(  # rank 0 makes the folders before the others look
            lambda: prepare_folders(self.places, self.name, lang, make=self.rank == 0),
            self.rank, self.world)  # fmt: skip
        self._existing = existing[-1] if existing else None
        self.saver = CheckpointSaver(self.places, self.name, keep, lang, seq)
        _ckpt_live.add(self)
        if not _ckpt_defaults.get("atexit"):
            _ckpt_defaults["atexit"] = True
            atexit.register(_ckpt_at_exit)

    @property
    def folder(self) -> Any:
        """The run folder (on Drive on Colab): what Trainer's ``output_dir`` may point at."""
        return self.places.folder

    @property
    def epoch(self) -> int:
        """The epoch of the batch the loader last handed out."""
        if self._stream is not None:
            return self._stream.epoch
        position = self._position or {}
        return int(position.get("taken", 0)) // max(int(position.get("per_epoch", 1)), 1)

    def resume(self) -> int:
        """Load the newest checkpoint that passes its checks (saying which were skipped) and
        return the step to continue at; 0 when there is none. One line says what happened."""
        if self._stream is not None and self._stream.started:
            raise CheckpointError(_ckpt_say(self.lang, "loader_started"))
        chosen = self._choose() if self.rank == 0 else None
        chosen = share(chosen, self.world)
        if chosen is None:
            self._resumed = True
            return 0
        path, entry = chosen
        try:
            payload = self._payload if self.rank == 0 else load_checkpoint(path, entry, self.lang)
        except BadCheckpoint as bad:  # rank 0 read it a moment ago
            raise CheckpointError(_ckpt_say(self.lang, "skipped", file=path, why=bad)) from None
        self._payload = None
        assert payload is not None
        self._apply(payload, path)  # raises, changing nothing, for another model's checkpoint
        self._saved = int(payload["step"])
        self._resumed = True
        if self.rank == 0:
            metrics = _ckpt_metrics(entry.get("metrics") or {})
            print(_ckpt_say(self.lang, "resumed", name=self.name, file=path, step=self._saved,
                            age=_ckpt_age(entry["saved"], self.lang), metrics=metrics,
                            epoch=self.epoch))  # fmt: skip
        return self._saved

    def _choose(self) -> tuple[Any, dict[str, Any]] | None:
        tried = 0
        try:
            for path, entry in candidates(self.places):
                tried += 1
                try:
                    self._payload = load_checkpoint(path, entry, self.lang)
                except BadCheckpoint as bad:
                    print(_ckpt_say(self.lang, "skipped", file=path, why=bad))
                    continue
                return path, entry
        except OSError as exc:
            raise CheckpointError(_ckpt_say(self.lang, "drive_unreadable", folder=self.folder,
                                            detail=exc.strerror or exc)) from None  # fmt: skip
        key = "none_loadable" if tried else "fresh"
        print(_ckpt_say(self.lang, key, name=self.name, folder=self.places.folder, count=tried))
        if self.places.where == "colab" and not self.places.on_drive:
            print(_ckpt_say(self.lang, "local_only_folder", folder=self.places.folder))
        return None

    def _apply(self, payload: dict[str, Any], path: Any) -> None:
        """Check that the checkpoint fits, then load every part: nothing changes on a misfit."""
        check_fit(unwrap(self.model), self.parts["optimizer"], payload, path, self.lang)
        unwrap(self.model).load_state_dict(payload["model"])
        for what, part in self.parts.items():
            if part is not None and payload.get(what):  # a disabled GradScaler saves {}
                part.load_state_dict(cpu_copy(payload[what]))  # off the memory map
        self.extra.clear()
        self.extra.update(cpu_copy(payload.get("extra") or {}))
        states = payload.get("rng") or []
        if len(states) != self.world and self.rank == 0:
            print(_ckpt_say(self.lang, "world_changed", saved=len(states), now=self.world))
        if states:
            restore_rng(states[self.rank] if self.rank < len(states) else states[0])
        self._position = payload.get("loader")
        if self._stream is not None and self._position:
            self._restore_stream(self._stream)

    def loader(
        self, dataset: Any, batch_size: int = 1, shuffle: bool = True, seed: int = 0,
        num_workers: int = 0, drop_last: bool = False, **options: Any,
    ) -> CheckpointStream:  # fmt: skip
        """An endless stream of batches over epochs (epoch k shuffled from ``seed`` and k),
        starting where the resumed checkpoint stopped; other options go to DataLoader."""
        stream = CheckpointStream(dataset, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                  drop_last=drop_last, rank=self.rank, world=self.world,
                                  options={"num_workers": num_workers, **options},
                                  lang=self.lang)  # fmt: skip
        if self._position:
            self._restore_stream(stream)
        if self._stream is not None:
            self._stream.close()
        self._stream = stream
        return stream

    def _restore_stream(self, stream: CheckpointStream) -> None:
        assert self._position is not None
        changed = stream.restore(self._position)
        if changed and self.rank == 0:
            print(_ckpt_say(self.lang, "loader_changed", detail=changed, epoch=stream.epoch))

    def step(self, step: int, **metrics: Any) -> bool:
        """Record step ``step``'s metrics; after every ``every`` steps, save (in the background).
        True when this step saved."""
        self._guard()
        row = {key: value.detach() if hasattr(value, "detach") else value
               for key, value in metrics.items()}  # fmt: skip
        self._rows.append({"step": step, **row})
        self._last_step = step
        saved = (step + 1) % self.every == 0 and self._save(step + 1)
        self._say_pending()
        return saved

    def save(self, step: int | None = None, *, final: bool = False) -> None:
        """Save now, after step ``step`` (default: the last one ``step()`` saw). ``final``
        waits until the checkpoint is written and flushes Drive, so nothing is lost when the
        runtime ends."""
        self._guard()
        step = self._last_step if step is None else step
        if step is not None:
            self._save(step + 1)
        if not final:
            self._say_pending()
            return
        if self._stream is not None:
            self._stream.close()
        if self.rank != 0:  # the others go on: a wait for rank 0 would be cut off by the
            # group timeout (30 min on gloo, 10 on NCCL) while a slow Drive still flushes
            return
        self.saver.wait()
        last_job = self.saver.last_job
        if self.saver.outage and last_job is not None:  # the last chance to reach Drive
            self.saver.submit(last_job._replace(rows=[]))
            self.saver.wait()
        self._say_pending()
        done, where = self.saver.last or (self._saved, self.folder / "-")
        if done:  # also for a run that was finished already: nothing new to save
            print(_ckpt_say(self.lang, "final_saved", name=self.name, step=done,
                            folder=where.parent))  # fmt: skip
        if self.places.on_drive and self.saver.wrote_drive:
            detail = flush_drive(mount_again=True)
            key = "flush_failed" if detail else "flushed"
            print(_ckpt_say(self.lang, key, detail=detail, folder=self.places.folder,
                            step=self._saved))  # fmt: skip

    def wait(self) -> None:
        """Wait until the checkpoints handed over so far are written, then say what happened."""
        if self.rank == 0:
            self.saver.wait()
        self._say_pending()

    def _guard(self) -> None:
        if not self._resumed and self._existing is not None:  # until resume() is called
            raise CheckpointError(_ckpt_say(self.lang, "unused_resume", name=self.name,
                                            step=self._existing["step"],
                                            folder=self.places.folder))  # fmt: skip

    def _save(self, done: int) -> bool:
        if done == self._saved:
            return False
        states = gather_rng(rng_state(), self.world)
        self._saved = done
        rows, self._rows = self._rows, []
        if self.rank != 0:
            return True
        carried = self.saver.drop_waiting()
        payload = {"nbgen": "checkpoint", "version": 1, "name": self.name, "step": done,
                   "model": cpu_copy(unwrap(self.model).state_dict()), "extra": cpu_copy(self.extra),
                   "rng": states, "world": self.world,
                   "loader": self._stream.state() if self._stream is not None else self._position}  # fmt: skip
        for what, part in self.parts.items():
            payload[what] = cpu_copy(part.state_dict()) if part is not None else None
        plain = carried + [{k: plain_number(v) for k, v in row.items()} for row in rows]
        last = {k: v for k, v in plain[-1].items() if k != "step"} if plain else {}
        self.saver.submit(SaveJob(done, payload, plain, last, self.epoch))
        return True

    def _say_pending(self) -> None:
        for line in self.saver.lines():
            print(line)


def _ckpt_at_exit() -> None:
    """Before the process ends: finish the save under way (briefly), then flush Drive."""
    flush = False
    for ckpt in list(_ckpt_live):
        if ckpt.rank == 0:
            ckpt.saver.wait(timeout=30)
            flush = flush or (ckpt.places.on_drive and ckpt.saver.wrote_drive)
    if flush:
        flush_drive(mount_again=False)
