"""Charts of a benchmark run: ``plot.py RESULTS.json OUTDIR``.

run.py calls this with ``--plot DIR`` in a venv of its own that has matplotlib
(benchmarks/.envs/plot), so matplotlib stays a benchmark-only dependency.
Writes PNG files into OUTDIR:

ratios.png       ratio ours/real per in-process scenario, against 1.0 and the
                 targets
scaling.png      microseconds per request against route count and JSON payload
                 size, both implementations
e2e_rps.png      end-to-end requests/s per TechEmpower test, bare WSGI app,
                 real Flask and ours, for each gunicorn worker class
e2e_latency.png  p50 and p99 latency of the same runs
"""

from __future__ import annotations

import json
import os
import sys
import typing as t

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"real": "#8c8c8c", "ours": "#2a7ab0", "bare": "#d9a440"}
LABELS = {"real": "Flask 3.1.3", "ours": "this package", "bare": "bare WSGI app"}
DPI = 80


def _save(fig: t.Any, outdir: str, name: str) -> str:
    path = os.path.join(outdir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def ratios(result: dict[str, t.Any], outdir: str) -> str | None:
    """Horizontal bars of ours/real per scenario; lines at 1.0 and the targets."""
    rows = [
        (name, r["ratio"])
        for section in ("core", "tfb")
        for name, r in (result.get(section) or {}).items()
        if r.get("ratio") is not None
    ]
    if not rows:
        return None
    limits = {key: limit for key, _label, limit, *_ in result.get("targets", [])}
    worst = limits.get("max", 0.6)
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(rows) + 1.6))
    names = [name for name, _ in rows][::-1]
    values = [value for _, value in rows][::-1]
    colors = []
    for name, value in zip(names, values, strict=True):
        limit = limits.get("template", worst) if name == "template" else worst
        within = value <= limit or name.startswith("tfb_")
        colors.append(COLORS["ours"] if within else "#c0392b")
    ax.barh(names, values, color=colors)
    for y, value in enumerate(values):
        ax.text(value + 0.01, y, f"{value:.2f}", va="center", fontsize=8)
    ax.axvline(1.0, color="black", linewidth=1, label="Flask 3.1.3 = 1.0")
    ax.axvline(worst, color="#c0392b", linestyle="--", linewidth=1,
               label=f"per-scenario target {worst}")  # fmt: skip
    if "geomean" in limits and result.get("geomean") is not None:
        ax.axvline(result["geomean"], color=COLORS["ours"], linestyle=":",
                   label=f"core geomean {result['geomean']:.2f} "
                   f"(target {limits['geomean']})")  # fmt: skip
    ax.set_xlabel("time per request, ours / Flask 3.1.3 (lower is faster)")
    ax.set_xlim(0, max(1.1, max(values) + 0.15))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("In-process, per scenario (red: above its target)", fontsize=10)
    return _save(fig, outdir, "ratios.png")


def scaling(result: dict[str, t.Any], outdir: str) -> str | None:
    scaling_rows = result.get("scaling") or {}
    payload_rows = result.get("payload") or {}
    if not scaling_rows and not payload_rows:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    series = [
        (axes[0], scaling_rows, lambda n: int(n.rsplit("_", 1)[1]), "routes in the map",
         "match the last route"),
        (axes[1], payload_rows, lambda n: payload_rows[n]["kb"], "JSON body (KB)",
         "JSON POST"),
    ]  # fmt: skip
    for ax, rows, x_of, xlabel, title in series:
        for impl in ("real", "ours"):
            points = sorted(
                (x_of(name), r[impl]) for name, r in rows.items() if r.get(impl)
            )
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", color=COLORS[impl], label=LABELS[impl])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("us per request")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    return _save(fig, outdir, "scaling.png")


def _e2e_bars(
    result: dict[str, t.Any], outdir: str, name: str, metrics: list[tuple[str, str]],
    ylabel: str, title: str,
) -> str | None:  # fmt: skip
    rows = (result.get("e2e") or {}).get("rows") or {}
    if not rows:
        return None
    workers = sorted({key.split("/")[0] for key in rows}, reverse=True)
    tests = list(dict.fromkeys(key.split("/")[1] for key in rows))
    fig, axes = plt.subplots(len(workers), 1, figsize=(9, 2.8 * len(workers)))
    if len(workers) == 1:
        axes = [axes]
    bars = [(impl, metric, style) for impl in ("bare", "real", "ours")
            for metric, style in metrics]  # fmt: skip
    width = 0.8 / len(bars)
    for ax, worker in zip(axes, workers, strict=True):
        for i, (impl, metric, style) in enumerate(bars):
            xs = [n + (i - (len(bars) - 1) / 2) * width for n in range(len(tests))]
            ys = [rows[f"{worker}/{test}"][f"{impl}_{metric}"] for test in tests]
            label = LABELS[impl] + (f" {metric}" if len(metrics) > 1 else "")
            ax.bar(xs, ys, width, color=COLORS[impl], label=label,
                   hatch=style, edgecolor="white")  # fmt: skip
        ax.set_xticks(range(len(tests)), tests)
        ax.set_ylabel(ylabel)
        ax.set_title(f"gunicorn {worker}, 1 worker: {title}", fontsize=10)
        ax.legend(fontsize=7, ncol=3)
        ax.grid(True, axis="y", alpha=0.3)
    return _save(fig, outdir, name)


def main(argv: list[str]) -> int:
    source, outdir = argv
    with open(source) as f:
        result = json.load(f)
    os.makedirs(outdir, exist_ok=True)
    written = [
        ratios(result, outdir),
        scaling(result, outdir),
        _e2e_bars(result, outdir, "e2e_rps.png", [("rps", "")],
                  "requests/s (higher is better)", "throughput"),
        _e2e_bars(result, outdir, "e2e_latency.png", [("p50", ""), ("p99", "//")],
                  "latency ms (lower is better)", "p50 (plain) and p99 (hatched)"),
    ]  # fmt: skip
    for path in written:
        if path:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
