"""Charts of a benchmark run: ``plot.py RESULTS.json OUTDIR``.

run.py calls this with ``--plot DIR`` in a venv of its own that has matplotlib
(benchmarks/.envs/plot), so matplotlib stays a benchmark-only dependency.
Writes PNG files into OUTDIR:

ratios.png       ratio ours/real per in-process scenario, against 1.0
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
    """Horizontal bars of ours/real per scenario (in-process, TechEmpower,
    cold starts, memory), and a line at 1.0."""
    rows: list[tuple[str, float, str]] = []
    for name, r in (result.get("core") or {}).items():
        if r.get("ratio") is not None:
            rows.append((name, r["ratio"], COLORS["ours"]))
    for name, r in (result.get("tfb") or {}).items():
        if r.get("ratio") is not None:
            rows.append((name, r["ratio"], "#5fa8d3"))
    for key in ("cold_start", "cold_start_template", "memory"):
        ratio = (result.get(key) or {}).get("ratio")
        if ratio is not None:
            rows.append((key, ratio, "#7d5ba6"))
    if not rows:
        return None
    rows.reverse()
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(rows) + 1.5))
    for y, (_name, value, color) in enumerate(rows):
        ax.barh(y, value, color=color)
        ax.text(value + 0.01, y, f"{value:.2f}", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [row[0] for row in rows], fontsize=8)
    ax.axvline(1.0, color="black", linewidth=1, linestyle=":")
    geo = result.get("geomean")
    title = "ours / Flask 3.1.3 (1.0 = same, lower is better)"
    if geo is not None:
        title += f"\ncore geomean {geo:.2f}"
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("ratio, lower is better (time, CPU time or memory)")
    ax.set_xlim(0, max(1.1, max(row[1] for row in rows) + 0.15))
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
