"""The text summary of benchmarks/asgi_limits.py: one table per scenario."""

from __future__ import annotations

import typing as t

MIB = 1 << 20


def fmt(value: t.Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _arrow(a: t.Any, b: t.Any, digits: int = 1) -> str:
    return f"{fmt(a, digits)} -> {fmt(b, digits)}"


def _load_cells(labels: dict[str, t.Any], label: str) -> list[str]:
    row = labels.get(label)
    if row is None:
        return ["-", "-", "-"]
    rps = f"{fmt(row['base_rps'], 0)} -> {fmt(row['rps'], 0)}"
    p99 = _arrow(row["base_p99_ms"], row["p99_ms"])
    if row["stuck"]:
        p99 += f" ({row['stuck']} stuck)"
    return [rps, fmt(row["rps_ratio"], 2), p99]


def _pressure(results: dict[str, t.Any], scenario: str, title: str) -> list[str]:
    rows = [
        [
            "server",
            "sync req/s",
            "ratio",
            "sync p99 ms",
            "async req/s",
            "ratio",
            "async p99 ms",
            "loop p99 ms",
            "CPU ms/req",
        ]
    ]
    for name, r in results.items():
        labels = r["labels"]
        rows.append(
            [
                name,
                *_load_cells(labels, "sync"),
                *_load_cells(labels, "async"),
                _arrow(r["lateness_base_p99"], r["lateness_p99"]),
                _arrow(r["cpu_ms_base"], r["cpu_ms"], 2),
            ]
        )
    return [title, table(rows)]


def _three(before: t.Any, during: t.Any, after: t.Any, key: str) -> str:
    return f"{before.get(key)} -> {during.get(key, '-')} -> {after.get(key)}"


def _disconnect_resources(results: dict[str, t.Any]) -> list[str]:
    rows = [
        [
            "server",
            "departures",
            "threads",
            "tasks",
            "fds",
            "streams open",
            "log errors",
        ]
    ]
    for name, r in results.items():
        before, during, after = r["before"], r["during"] or {}, r["after"]
        ok = sum(v for k, v in r["departures"].items() if "failed" not in k)
        failed = sum(v for k, v in r["departures"].items() if "failed" in k)
        c = after["counters"]
        still = c.get("streams started", 0) - c.get("streams closed", 0)
        rows.append(
            [
                name,
                f"{ok}" + (f" ({failed} failed)" if failed else ""),
                _three(before, during, after, "threads"),
                _arrow(before.get("tasks"), after.get("tasks")),
                _three(before, during, after, "fds"),
                str(still),
                str(r["log_errors"]),
            ]
        )
    return [
        "server state: before -> (mid-churn ->) after settling; tasks and fds"
        " include the stats request's own",
        table(rows),
    ]


def _uploads(results: dict[str, t.Any], size: int) -> list[str]:
    rows = [
        ["case", "status", "seconds", "MiB/s", "server CPU s",
         "maxrss MiB before -> after", "growth MiB", "fds before -> after",
         "loop p99/max ms"]
    ]  # fmt: skip
    for label, r in results.items():
        ok = r["status"] == 200 and r["size"] == size
        before, after = r["before"], r["after"]
        late = r.get("lateness") or {}
        rows.append(
            [
                label,
                f"{r['status']}" + ("" if ok else f" (size {r['size']})"),
                fmt(r["seconds"]),
                fmt(size / MIB / r["seconds"], 0),
                fmt(r["cpu_s"]),
                _arrow(before["maxrss"] / MIB, after["maxrss"] / MIB, 0),
                fmt((after["maxrss"] - before["maxrss"]) / MIB, 0),
                _arrow(before["fds"], after["fds"]),
                f"{fmt(late.get('p99_ms'))}/{fmt(late.get('max_ms'))}",
            ]
        )
    return [
        f"upload of {size // MIB} MiB read through request.stream (a new server"
        " each); loop lateness while it was received and read",
        table(rows),
    ]


def _stall(results: dict[str, t.Any]) -> list[str]:
    labels: list[str] = []
    for r in results.values():
        labels += [label for label in r["p99"] if label not in labels]
    rows = [
        [
            "server",
            "idle p50/p99/max",
            "loaded p50/p99/p99.9/max",
            "CPU loop/all",
            "GC max",
            "req/s",
            *(f"{label} p99" for label in labels),
        ]
    ]
    for name, r in results.items():
        idle, loaded = r["idle"], r["loaded"]
        rows.append(
            [
                name,
                "/".join(fmt(idle.get(k)) for k in ("p50_ms", "p99_ms", "max_ms")),
                "/".join(
                    fmt(loaded.get(k))
                    for k in ("p50_ms", "p99_ms", "p999_ms", "max_ms")
                ),
                f"{fmt(r['loop_cpu'], 2)}/{fmt(r['cpu'], 2)}",
                fmt(r["gc_max_cpu_ms"]),
                fmt(r["rps"], 0),
                *(fmt(r["p99"].get(label)) for label in labels),
            ]
        )
    out = [
        "loop lateness (ms) of a 2 ms timer on the server's loop, idle and under"
        " the mixed load (sync and async pages with a session and a template,"
        " JSON posts); CPU in cores (the loop's thread / the process); the"
        " CPU time of the longest garbage collection (ms); request p99 in ms",
        table(rows),
    ]
    for name, r in results.items():
        for key, what in (
            ("slow_callbacks", "longest"),
            ("busy_callbacks", "most CPU"),
        ):
            if r.get(key):
                out.append(f"loop callbacks on {name}, {what} (ms wall / CPU):")
                out += [
                    f"  {ms:8.2f} {cpu:8.2f}  {what}" for ms, cpu, what in r[key][:8]
                ]
    return out


def render(results: dict[str, t.Any]) -> str:
    s = results["settings"]
    out = [
        f"\nasgi_limits: {s['connections']} load connections, {s['seconds']:g} s"
        f" per phase, {s['rounds']} round(s); ratios = under pressure / baseline"
        " of the same server in the same run (medians over rounds). A shared"
        " machine makes absolute numbers noisy."
    ]
    if results.get("slow"):
        out += [""] + _pressure(
            results["slow"],
            "slow",
            f"slow clients: {s['slow']} connections posting 1 byte/s or stalled"
            " (to a sync form view and an async JSON view); load: GET /sync and"
            " GET /async",
        )
    if results.get("slow-upload"):
        out += [""] + _pressure(
            results["slow-upload"],
            "slow-upload",
            f"slow uploads: {s['slow_uploads']} connections each sent 1 MiB + 64"
            " KiB of an 8 MiB body at once, then 1 byte/s, to a view reading"
            " request.stream (sync for Flask, async for Quart and Starlette)",
        )
    if results.get("disconnect"):
        out += [""] + _pressure(
            results["disconnect"],
            "disconnect",
            f"disconnects: {s['leave_rate']:g} streams a second opened and left"
            f" ({s['churners']} clients at a time; sync/async generators, with"
            " and without a partly sent body); same load",
        )
        out += _disconnect_resources(results["disconnect"])
    if results.get("upload"):
        out += [""] + _uploads(results["upload"], s["upload"])
    if results.get("stall"):
        out += [""] + _stall(results["stall"])
    return "\n".join(out)
