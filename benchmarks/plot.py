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
tfb_<workload>.png  (a tfb.py result) requests/s of every framework, grouped by
                 server, each bar labelled with its share of the bare app's
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
    for key in ("cold_start", "cold_start_template", "cold_start_routes", "memory"):
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


TFB_COLORS = {
    "bare": "#d9a440",
    "ours": "#2a7ab0",
    "flask": "#8c8c8c",
    "quart": "#b3b3b3",
    "starlette": "#5aa469",
    "fastapi": "#2e8b7a",
    "falcon": "#c0504d",
    "bottle": "#7d5ba6",
}


def tfb_table(table: dict[str, t.Any], outdir: str) -> list[str]:
    """One chart per workload: requests/s of each framework, grouped by
    server, each bar labelled with its share of the bare app's throughput."""
    rows = table["rows"]
    frameworks = list(table["frameworks"])
    servers = list(table["servers"])
    written = []
    for workload in table["workloads"]:
        fig, ax = plt.subplots(figsize=(10, 3.8))
        x = 0.0
        ticks: list[tuple[float, str]] = []
        seen: set[str] = set()
        for server in servers:
            present = [
                fw for fw in frameworks if workload in rows.get(f"{server}/{fw}", {})
            ]
            if not present:
                continue
            start = x
            for fw in present:
                row = rows[f"{server}/{fw}"][workload]
                label = table["frameworks"][fw] if fw not in seen else None
                seen.add(fw)
                ax.bar(x, row["rps"], 0.9, color=TFB_COLORS.get(fw, "#444444"),
                       label=label, hatch="//" if fw == "bare" else "",
                       edgecolor="white")  # fmt: skip
                share = row.get("share")
                if share is not None and fw != "bare":
                    ax.text(x, row["rps"], f"{share:.2f}", ha="center",
                            va="bottom", fontsize=6)  # fmt: skip
                x += 1
            ticks.append(((start + x - 1) / 2, server))
            x += 1
        ax.set_xticks([p for p, _ in ticks], [n for _, n in ticks], fontsize=8)
        ax.set_ylabel("requests/s (higher is better)")
        ax.set_title(
            f"{workload}: one worker per server; bar label = share of the bare app",
            fontsize=10,
        )
        ax.margins(y=0.15)
        ax.legend(fontsize=7, ncol=4, loc="upper left")
        ax.grid(True, axis="y", alpha=0.3)
        written.append(_save(fig, outdir, f"tfb_{workload}.png"))
    return written


def main(argv: list[str]) -> int:
    source, outdir = argv
    with open(source) as f:
        result = json.load(f)
    os.makedirs(outdir, exist_ok=True)
    if "tfb_table" in result:
        for path in tfb_table(result["tfb_table"], outdir):
            print(path)
        return 0
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
