"""The TechEmpower-style table counted in instructions (``tfb.py
--instructions``): each framework's instructions per request through each
server, with callgrind (:mod:`server_instructions`), and the bare app's
count over each framework's, the counterpart of the table's share of the
bare app's requests/s, which on a shared machine moves by a tenth between
runs where a count moves by about half a percent. Only the standard library."""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import tempfile
import typing as t

import run
import server_instructions
import tfb
import tfb_runner


def count(
    todo: list[tuple[str, str]], workloads: list[str], repeats: int = 1
) -> dict[str, t.Any]:
    """Instructions per request for every (framework, server) pair of
    ``todo`` and every workload: ``rows[server/framework][workload]``, and
    ``shares`` (the bare app's count over the framework's on that server:
    above 1, the framework executes fewer). With ``repeats`` above 1 every
    pair is counted that many times, in rounds over the pairs (so that a
    busy spell of the machine does not fall on one pair's counts), each
    row is the median of its counts and ``spread`` has their lowest and
    highest: a count through a server moves by a few thousand between
    runs (the server's loop runs more or fewer times per request)."""
    counts: dict[str, dict[str, list[float]]] = {}
    problems: dict[str, list[str]] = {}
    paths = {name: tfb_runner.WORKLOADS[name] for name in workloads}
    with tempfile.TemporaryDirectory(prefix="tfb-count-") as tmp:
        template = tfb.create_database()
        for repeat, (fw, server) in itertools.product(range(repeats), todo):
            runs = itertools.count()

            def start(
                fw: str = fw, server: str = server, runs: t.Iterator[int] = runs
            ) -> tuple[list[str], int, dict[str, str], str]:
                # A fresh copy of the database for every run.
                db = os.path.join(tmp, f"{fw}-{server}-{next(runs)}.sqlite")
                shutil.copyfile(template, db)
                port = run._free_port()
                cmd, env = tfb_runner.server_command(fw, server, port, db)
                return cmd, port, env | {"PYTHONHASHSEED": "0"}, tfb_runner.BENCH

            which = "" if repeats == 1 else f" {repeat + 1} of {repeats}"
            tfb_runner.log(f"  counting {fw} on {server}{which} (callgrind)")
            key = f"{server}/{fw}"
            try:
                found = server_instructions.per_request(start, paths)
            except server_instructions.CountError as e:
                problems.setdefault(key, []).append(f"count{which}: {e}")
                continue
            for name, n in found.items():
                counts.setdefault(key, {}).setdefault(name, []).append(n)
    rows = {
        key: {name: statistics.median(ns) for name, ns in per_workload.items()}
        for key, per_workload in counts.items()
    }
    shares = {
        key: {
            name: bare[name] / n
            for name, n in per_workload.items()
            if name in bare and n
        }
        for key, per_workload in rows.items()
        if (bare := rows.get(key.split("/")[0] + "/bare")) is not None
    }
    spread = {
        key: {name: (min(ns), max(ns)) for name, ns in per_workload.items()}
        for key, per_workload in counts.items()
    }
    return {
        "requests": server_instructions.REQUESTS,
        "warm": server_instructions.WARM,
        "repeats": repeats,
        "rows": rows,
        "shares": shares,
        "spread": spread if repeats > 1 else {},
        "problems": problems,
    }


def report(counted: dict[str, t.Any], order: list[str], workloads: list[str]) -> str:
    """One table: per server and framework, thousands of instructions per
    request of each workload, with the share of the bare app's count."""
    repeats = counted.get("repeats", 1)
    each = "" if repeats == 1 else f"the median of {repeats} counts, "
    also = "" if repeats == 1 else ", then the lowest and highest count"
    out = [
        f"instructions per request through each server (callgrind; {each}"
        f"{counted['requests']:,} requests on one keep-alive connection after "
        f"{counted['warm']} to each endpoint; thousands, and in brackets the bare"
        f" app's count over this one's{also})"
    ]
    spreads = counted.get("spread", {})
    table = [["server", "framework", *workloads]]
    for key in order:
        per_workload = counted["rows"].get(key)
        if per_workload is None:
            continue
        server, fw = key.split("/")
        shares = counted["shares"].get(key, {})
        spread = spreads.get(key, {})
        cells = []
        for name in workloads:
            n = per_workload.get(name)
            if n is None:
                cells.append("-")
                continue
            notes = []
            if fw != "bare" and name in shares:
                notes.append(f"{shares[name]:.3f}")
            if name in spread:
                low, high = spread[name]
                notes.append(f"{low / 1000:,.1f}-{high / 1000:,.1f}")
            cell = f"{n / 1000:,.1f}"
            cells.append(f"{cell} ({'; '.join(notes)})" if notes else cell)
        table.append([server, tfb_runner.FRAMEWORKS[fw].label, *cells])
    out.append(run.table(table))
    return "\n".join(out)
