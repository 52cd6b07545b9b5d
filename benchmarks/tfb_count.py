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
import tempfile
import typing as t

import run
import server_instructions
import tfb
import tfb_runner


def count(todo: list[tuple[str, str]], workloads: list[str]) -> dict[str, t.Any]:
    """Instructions per request for every (framework, server) pair of
    ``todo`` and every workload: ``rows[server/framework][workload]``, and
    ``shares`` (the bare app's count over the framework's on that server:
    above 1, the framework executes fewer)."""
    rows: dict[str, dict[str, float]] = {}
    problems: dict[str, list[str]] = {}
    paths = {name: tfb_runner.WORKLOADS[name] for name in workloads}
    with tempfile.TemporaryDirectory(prefix="tfb-count-") as tmp:
        template = tfb.create_database()
        for fw, server in todo:
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

            tfb_runner.log(f"  counting {fw} on {server} (callgrind)")
            try:
                rows[f"{server}/{fw}"] = server_instructions.per_request(start, paths)
            except server_instructions.CountError as e:
                problems.setdefault(f"{server}/{fw}", []).append(f"count: {e}")
    shares = {
        key: {
            name: bare[name] / n
            for name, n in per_workload.items()
            if name in bare and n
        }
        for key, per_workload in rows.items()
        if (bare := rows.get(key.split("/")[0] + "/bare")) is not None
    }
    return {
        "requests": server_instructions.REQUESTS,
        "warm": server_instructions.WARM,
        "rows": rows,
        "shares": shares,
        "problems": problems,
    }


def report(counted: dict[str, t.Any], order: list[str], workloads: list[str]) -> str:
    """One table: per server and framework, thousands of instructions per
    request of each workload, with the share of the bare app's count."""
    out = [
        f"instructions per request through each server (callgrind; "
        f"{counted['requests']:,} requests on one keep-alive connection after "
        f"{counted['warm']} to each endpoint; thousands, and in brackets the bare"
        " app's count over this one's)"
    ]
    table = [["server", "framework", *workloads]]
    for key in order:
        per_workload = counted["rows"].get(key)
        if per_workload is None:
            continue
        server, fw = key.split("/")
        shares = counted["shares"].get(key, {})
        cells = []
        for name in workloads:
            n = per_workload.get(name)
            if n is None:
                cells.append("-")
            elif fw == "bare" or name not in shares:
                cells.append(f"{n / 1000:,.1f}")
            else:
                cells.append(f"{n / 1000:,.1f} ({shares[name]:.3f})")
        table.append([server, tfb_runner.FRAMEWORKS[fw].label, *cells])
    out.append(run.table(table))
    return "\n".join(out)
