"""The lines under the benchmark's table: how each loop really ran (compiled or not, its
inference's layout, what compiling cost), why a GPU loop has no MFU, what was timed, and the
optimized loop at the batch free memory allows. The wording comes from the report's table."""

from __future__ import annotations

from typing import Any

from nbgen.runtime.bench.config import mode_label


def run_lines(text: dict[str, Any], label: str, r: dict[str, Any]) -> list[str]:
    """How a loop trained and inferred, as it really ran, and what compiling cost."""
    how = text["how"][bool(r.get("compiled"))]
    how += f" ({r['compile_detail']})" if r.get("compile_detail") and r.get("compiled") else ""
    lines = [text["runs"].format(mode=label, precision=r.get("precision"), how=how)]
    if r.get("compile_s") is not None:
        lines.append(text["compile"].format(mode=label, seconds=r["compile_s"]))
    infer_how = text["how"][bool(r.get("infer_compiled"))]
    layout = text["layouts"][bool(r.get("infer_channels_last"))]
    return [*lines, text["infer"].format(mode=label, how=infer_how, layout=layout)]


def mfu_lines(
    text: dict[str, Any], dev: dict[str, Any], results: list[dict[str, Any]], *, known: bool
) -> list[str]:
    """Why a GPU loop has no MFU: a GPU nbgen does not know, or a precision it has no peak
    for on a GPU it knows (then the GPU is named, not called unknown)."""
    missing = [r for r in results if r["mfu"] is None]
    if dev["type"] != "cuda" or not missing:
        return []
    name = dev.get("name") or ""
    if not known:
        return [text["mfu_unknown"].format(name=name)]
    precisions = sorted({str(r.get("precision")) for r in missing})
    return [text["no_peak"].format(precision="/".join(precisions), name=name)]


def timed_lines(text: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """What was measured: steps that ran (from the results), at what size."""
    results, config = report["results"], report["config"]
    if not results or "step_ms" not in results[0] or "warmup" not in config:
        return []  # a report from before these keys (a JSON file read back)
    first = results[0]
    return [text["timed"].format(steps=len(first.get("step_ms", [])),
                                 batch=first.get("batch_size") or config["batch_size"],
                                 warmup=config["warmup"], learn=config["learn_steps"])]  # fmt: skip


def auto_batch_lines(text: dict[str, Any], report: dict[str, Any], lang: str) -> list[str]:
    """The optimized loop at the batch free memory allows, beside the same-batch figures."""
    auto = report.get("auto_batch")
    if not auto:
        return []
    mfu_text = "-" if auto["mfu"] is None else f"{100 * auto['mfu']:.1f}%"
    lines = [text["auto_batch"].format(mode=mode_label(auto["mode"], lang), batch=auto["batch_size"],
                                       free=auto["free_gb"], rate=auto["train_images_per_s"],
                                       mfu=mfu_text)]  # fmt: skip
    if auto.get("speedup") is not None:
        lines.append(text["auto_speedup"].format(batch=auto["batch_size"], speedup=auto["speedup"],
                                                 base=report["config"]["batch_size"]))  # fmt: skip
    return lines
