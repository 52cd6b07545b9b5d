"""Benchmark our Flask against real Flask 3.1.3, interleaved, in one run.

    python benchmarks/run.py [--rounds N] [--quick] [--only NAMES] [--json OUT]

Creates (or reuses) two venvs under benchmarks/.envs/: ``flask-real`` (Flask
3.1.3 from the package index) and ``flask-ours`` (this repository, editable).
Each round runs benchmarks/worker.py once per implementation, real then ours,
and the table shows the median over rounds of microseconds per request and the
ratio ours/real (lower is better). Responses are compared between the two
before anything is timed. Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing as t

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
ENVS = os.path.join(BENCH, ".envs")
WORKER = os.path.join(BENCH, "worker.py")

IMPLS: dict[str, list[str]] = {
    "real": ["flask==3.1.3", "asgiref", "gunicorn"],
    "ours": ["-e", f"{ROOT}[async]", "gunicorn"],
}
ENV_DIRS = {"real": "flask-real", "ours": "flask-ours", "plot": "plot"}
# Only for --plot: matplotlib stays out of the two measured environments.
PLOT_REQUIREMENTS = ["matplotlib"]
PLOT = os.path.join(BENCH, "plot.py")

# Must match scenarios.py (not imported here: this script runs outside the venvs).
CORE = [
    "hello",
    "json",
    "routes",
    "template",
    "session",
    "url_for",
    "hooks",
    "not_found",
    "abort_403",
    "form",
    "json_post",
    "async",
]
PAYLOAD = ["json_post", "json_post_20k", "json_post_200k"]
SCALING = ["routes_10", "routes_1000", "routes_10000"]
EXTRAS = ["cold_start", "cold_start_template", "cold_start_routes", "memory", "e2e"]

TFB = [
    "tfb_plaintext",
    "tfb_json",
    "tfb_db",
    "tfb_queries",
    "tfb_fortunes",
    "tfb_updates",
]
PAYLOAD_KB = {"json_post": 2, "json_post_20k": 20, "json_post_200k": 200}
# Plain Jinja rendering of the template scenario's page: the floor of
# "template", reported as the ratio of the two (run with "template").
FLOOR = ["jinja_plain"]
GROUPS = {"core": CORE, "payload": PAYLOAD, "scaling": SCALING, "tfb": TFB}

# A JSON-only app: imported, built, one request served through the test client.
COLD_START_SCRIPT = """\
import flask
app = flask.Flask("coldstart")
bp = flask.Blueprint("api", "coldstart", url_prefix="/api")

@app.route("/")
def index():
    return "hello"

@app.route("/user/<name>")
def user(name):
    return name

@app.post("/items")
def create():
    return {"ok": True}

@bp.get("/status")
def status():
    return {"status": "up"}

app.register_blueprint(bp)

response = app.test_client().get("/api/status")
assert response.status_code == 200 and response.json == {"status": "up"}
"""

# The same, rendering a template file from the app's templates folder.
COLD_START_TEMPLATE_SCRIPT = """\
import flask
app = flask.Flask("coldstart_template")

@app.route("/")
def index():
    items = [{"id": i, "name": f"item <{i}>"} for i in range(10)]
    return flask.render_template("page.html", title="Items", items=items)

response = app.test_client().get("/")
assert response.status_code == 200 and b"item &lt;9&gt;" in response.data
"""

# A larger app: 500 routes in 10 blueprints, one request, one URL built.
COLD_START_ROUTES_SCRIPT = """\
import flask
app = flask.Flask("coldstart_routes")

def make_view(i):
    def view(item_id, name):
        return {"view": i, "id": item_id, "name": name}
    view.__name__ = f"view_{i}"
    return view

for b in range(10):
    bp = flask.Blueprint(f"part{b}", "coldstart_routes", url_prefix=f"/part{b}")
    for i in range(50):
        bp.add_url_rule(f"/items{i}/<int:item_id>/<name>", view_func=make_view(i))
    app.register_blueprint(bp)

response = app.test_client().get("/part9/items49/7/x")
assert response.status_code == 200 and response.json["id"] == 7
with app.test_request_context():
    assert flask.url_for("part3.view_4", item_id=1, name="y") == "/part3/items4/1/y"
"""

COLD_START_TEMPLATE = """\
<!doctype html><title>{{ title }}</title>
<ul>{% for item in items %}<li id="{{ item.id }}">{{ item.name }}</li>{% endfor %}</ul>
"""

#: The cold start variants: result key -> (script, report label, summary label).
COLD_STARTS: dict[str, tuple[str, str, str]] = {
    "cold_start": (
        COLD_START_SCRIPT,
        "cold start",
        "cold start, JSON-only app (CPU time)",
    ),
    "cold_start_template": (
        COLD_START_TEMPLATE_SCRIPT,
        "cold start template",
        "cold start, template app (CPU time)",
    ),
    "cold_start_routes": (
        COLD_START_ROUTES_SCRIPT,
        "cold start 500 routes",
        "cold start, 500 routes (CPU time)",
    ),
}


class Settings(t.NamedTuple):
    rounds: int
    target: float
    repeat: int
    cold_runs: int
    memory_runs: int
    wrk_rounds: int
    wrk_seconds: int
    selected: set[str]
    #: Also count each cold start's instructions under callgrind.
    cold_instructions: bool = False


# -- environments -------------------------------------------------------------


def child_env() -> dict[str, str]:
    """The environment for subprocesses: nothing that could change what loads.

    PYTHONDONTWRITEBYTECODE is dropped so cold starts read cached bytecode like
    a deployed app does, instead of compiling every module each time.
    """
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("FLASK_") or key in {
            "PYTHONPATH",
            "PYTHONHOME",
            "PYTHONDONTWRITEBYTECODE",
            "PYTHONSTARTUP",
            "VIRTUAL_ENV",
            "PYTHONWARNINGS",
        }:
            del env[key]
    return env


def env_python(impl: str) -> str:
    return os.path.join(ENVS, ENV_DIRS[impl], "bin", "python")


def env_bin(impl: str, name: str) -> str:
    return os.path.join(ENVS, ENV_DIRS[impl], "bin", name)


def ensure_env(impl: str, reinstall: bool) -> None:
    """Create the venv for ``impl`` unless one with the same requirements exists."""
    path = os.path.join(ENVS, ENV_DIRS[impl])
    marker = os.path.join(path, ".bench-requirements.json")
    requirements = PLOT_REQUIREMENTS if impl == "plot" else IMPLS[impl]
    spec = json.dumps(requirements)
    if not reinstall and os.path.exists(env_python(impl)) and os.path.exists(marker):
        with open(marker) as f:
            if f.read() == spec:
                return
    log(f"creating {path} ({' '.join(requirements)}) ...")
    os.makedirs(ENVS, exist_ok=True)
    run_checked([sys.executable, "-m", "venv", "--clear", path], timeout=300)
    pip = [
        env_python(impl),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    run_checked(pip + requirements, timeout=900)
    with open(marker, "w") as f:
        f.write(spec)


def check_env(impl: str) -> dict[str, str]:
    """Which flask the venv imports; refuse to compare the wrong packages."""
    code = (
        "import json, os, flask, importlib.metadata as m;"
        "print(json.dumps({'path': os.path.dirname(flask.__file__),"
        " 'version': m.version('flask'), 'werkzeug': m.version('werkzeug')}))"
    )
    out = run_checked([env_python(impl), "-c", code], timeout=120, cwd=BENCH)
    info: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    ours_src = os.path.join(ROOT, "src", "flask")
    if impl == "ours" and os.path.realpath(info["path"]) != os.path.realpath(ours_src):
        sys.exit(f"flask-ours imports flask from {info['path']}, not {ours_src}")
    if impl == "real" and info["version"] != "3.1.3":
        sys.exit(f"flask-real has Flask {info['version']}, expected 3.1.3")
    return info


def run_checked(cmd: list[str], timeout: float, cwd: str | None = None) -> str:
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or BENCH,
        env=child_env(),
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return proc.stdout


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# -- in-process scenarios -----------------------------------------------------


def run_worker(impl: str, args: list[str], timeout: float) -> dict[str, t.Any]:
    """Run worker.py in ``impl``'s venv; its last stdout line is JSON."""
    cmd = [env_python(impl), WORKER, *args]
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=BENCH,
            env=child_env(),
        )
    except subprocess.TimeoutExpired:
        return {"error": f"worker timed out after {timeout:.0f}s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"error": f"worker exited {proc.returncode}: {proc.stderr[-2000:]}"}
    result: dict[str, t.Any] = json.loads(lines[-1])
    if proc.stderr.strip():
        result["stderr"] = proc.stderr[-2000:]
    return result


class Worker:
    """A ``worker.py serve`` process in one venv, driven line by line."""

    def __init__(self, impl: str, names: list[str], timeout: float) -> None:
        self.impl = impl
        self.errors = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(
            [env_python(impl), WORKER, "serve", "--only", ",".join(names)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
            cwd=BENCH,
            env=child_env(),
        )
        # A hung worker is killed, so a blocked readline returns.
        self.timer = threading.Timer(timeout, self.proc.kill)
        self.timer.start()

    def read(self) -> t.Any:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.wait()
            self.errors.seek(0)
            tail = self.errors.read()[-2000:]
            code = self.proc.returncode
            raise WorkerError(f"{self.impl} worker exited {code}: {tail}")
        return json.loads(line)

    def ask(self, line: str) -> t.Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        self.timer.cancel()
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.errors.close()


class WorkerError(RuntimeError):
    pass


def bench_rounds(names: list[str], s: Settings, timeout: float) -> dict[str, t.Any]:
    """Rounds of a fresh real and a fresh ours worker, timed in alternation.

    Per scenario, each implementation is calibrated, then ``repeat`` chunks run
    real, ours, real, ours, ... so both see the same machine load; the fastest
    chunk is that round's figure.
    """
    raw: dict[str, list[dict[str, t.Any]]] = {"real": [], "ours": []}
    for r in range(s.rounds):
        log(f"  round {r + 1}/{s.rounds}")
        workers: dict[str, Worker] = {}
        try:
            for impl in ("real", "ours"):
                workers[impl] = Worker(impl, names, timeout)
            hello = {impl: w.read() for impl, w in workers.items()}
            for name in names:
                if not all(name in hello[impl]["timable"] for impl in workers):
                    continue
                _time_pair(name, workers, hello, s)
            for impl in workers:
                raw[impl].append(hello[impl])
        except WorkerError as e:
            for impl in ("real", "ours"):
                raw[impl].append({"error": str(e)})
        finally:
            for w in workers.values():
                w.close()
    return raw


def _time_pair(
    name: str, workers: dict[str, Worker], hello: dict[str, t.Any], s: Settings
) -> None:
    iterations = {}
    for impl, w in workers.items():
        per_call = w.ask(f"calibrate {name} {s.target * 0.2}")
        iterations[impl] = max(3, int(s.target * 1e9 / per_call / s.repeat))
    samples: dict[str, list[float]] = {impl: [] for impl in workers}
    for _ in range(s.repeat):
        for impl, w in workers.items():
            n = iterations[impl]
            samples[impl].append(w.ask(f"time {name} {n}") / n / 1000)
    for impl in workers:
        entry = hello[impl]["scenarios"][name]
        entry.update(
            us=min(samples[impl]), samples=samples[impl], iterations=iterations[impl]
        )


def summarize(
    names: list[str], raw: dict[str, list[dict[str, t.Any]]]
) -> dict[str, dict[str, t.Any]]:
    """Median per scenario and implementation, and the response comparison."""
    out: dict[str, dict[str, t.Any]] = {}
    for name in names:
        row: dict[str, t.Any] = {"name": name, "problems": []}
        responses: dict[str, t.Any] = {}
        for impl in ("real", "ours"):
            samples = []
            for run in raw[impl]:
                if "error" in run:
                    row["problems"].append(f"{impl}: {run['error'].strip()[-300:]}")
                    continue
                entry = run["scenarios"].get(name, {})
                if "error" in entry:
                    row["problems"].append(f"{impl}: {entry['error']}")
                response = entry.get("response")
                if response is not None:
                    responses.setdefault(impl, response)
                    for problem in response["problems"]:
                        row["problems"].append(f"{impl}: {problem}")
                if "us" in entry:
                    samples.append(entry["us"])
            row[impl] = statistics.median(samples) if samples else None
            row[f"{impl}_rounds"] = samples
        row["problems"] = sorted(set(row["problems"]))
        real_resp, ours_resp = responses.get("real"), responses.get("ours")
        if real_resp and ours_resp:
            for key in ("status", "body_sha256", "headers"):
                if real_resp[key] != ours_resp[key]:
                    row["problems"].append(
                        f"{key} differs: real {real_resp[key]!r} "
                        f"ours {ours_resp[key]!r}"
                    )
        row["responses"] = responses
        row["ok"] = not row["problems"] and bool(real_resp and ours_resp)
        # Paired: each round's real and ours chunks ran side by side.
        paired = [
            o["scenarios"][name]["us"] / r["scenarios"][name]["us"]
            for r, o in zip(raw["real"], raw["ours"], strict=True)
            if "us" in r.get("scenarios", {}).get(name, {})
            and "us" in o.get("scenarios", {}).get(name, {})
        ]
        row["round_ratios"] = paired
        row["ratio"] = statistics.median(paired) if paired else None
        out[name] = row
    return out


# -- cold start, memory, end to end -------------------------------------------


def cold_start(s: Settings, key: str = "cold_start") -> dict[str, t.Any]:
    """CPU time (user + system) of a fresh interpreter importing flask,
    building an app and serving one request with the test client: the
    JSON-only app, the one rendering a template file, or the one with 500
    routes (``key``, see :data:`COLD_STARTS`).

    CPU time rather than wall time: on a busy machine the wall time mostly
    measures waiting for a core. The wall times are kept in the results.
    """
    samples: dict[str, list[float]] = {"real": [], "ours": [], "bare": []}
    with tempfile.TemporaryDirectory() as tmp:
        source = COLD_STARTS[key][0]
        script = os.path.join(tmp, f"{key}_app.py")
        with open(script, "w") as f:
            f.write(source)
        os.mkdir(os.path.join(tmp, "templates"))
        with open(os.path.join(tmp, "templates", "page.html"), "w") as f:
            f.write(COLD_START_TEMPLATE)
        commands = {
            "real": [env_python("real"), script],
            "ours": [env_python("ours"), script],
            "bare": [env_python("real"), "-c", "pass"],
        }
        env = child_env()
        wall: dict[str, list[float]] = {key: [] for key in commands}
        for i in range(s.cold_runs + 1):
            for key, cmd in commands.items():
                started = time.perf_counter()
                proc = subprocess.Popen(
                    cmd,
                    cwd=tmp,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                assert proc.stderr is not None
                errors = proc.stderr.read()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                proc.stderr.close()
                elapsed = (time.perf_counter() - started) * 1000
                if proc.returncode != 0:
                    return {"error": f"{key}: {errors.decode()[-1000:]}"}
                if i > 0:  # the first run writes bytecode caches
                    samples[key].append((usage.ru_utime + usage.ru_stime) * 1000)
                    wall[key].append(elapsed)
        counted = cold_instructions(commands, tmp, env) if s.cold_instructions else {}
    med = {key: statistics.median(v) for key, v in samples.items()}
    # Paired per run (real and ours ran back to back), like the other ratios.
    paired = [o / r for r, o in zip(samples["real"], samples["ours"], strict=True)]
    quartiles = statistics.quantiles(paired, n=4) if len(paired) > 1 else paired * 3
    return {
        "real_ms": med["real"],
        "ours_ms": med["ours"],
        "bare_ms": med["bare"],
        "ratio": statistics.median(paired),
        # The spread of the paired ratios: on a shared machine the median of
        # a few runs moves by several hundredths (see --cold-runs).
        "ratio_quartiles": [quartiles[0], quartiles[2]],
        "runs": len(paired),
        "net_ratio": (med["ours"] - med["bare"]) / max(med["real"] - med["bare"], 1e-9),
        "wall_ms": {key: statistics.median(v) for key, v in wall.items()},
        "samples": samples,
        "wall_samples": wall,
        **counted,
    }


#: Hash seeds of the counted runs: the count moves by about 0.2% with the
#: seed (set iteration orders), so the median of a few fixed ones is kept.
INSTRUCTION_SEEDS = ("0", "1", "2")


def callgrind_count(
    cmd: list[str], cwd: str, env: dict[str, str], seed: str = "0"
) -> int | str:
    """The instructions ``cmd`` executes under valgrind's callgrind with hash
    seed ``seed``, or why there is no count (a message)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return "valgrind is not installed"
    proc = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        cwd=cwd,
        env=dict(env, PYTHONHASHSEED=seed),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        return f"exit {proc.returncode}: {proc.stderr[-500:]}"
    return int(found.group(1).replace(",", ""))


def cold_instructions(
    commands: dict[str, list[str]], cwd: str, env: dict[str, str]
) -> dict[str, t.Any]:
    """Instructions each cold start command executes, counted by valgrind's
    callgrind: unlike CPU time, the same on a busy machine as on a quiet
    one, so a change of a tenth of a percent shows. About 7 s per run, three
    runs per command; ``instructions_skipped`` says why there is no count."""
    counts: dict[str, float] = {}
    for key, cmd in commands.items():
        runs = []
        for seed in INSTRUCTION_SEEDS:
            found = callgrind_count(cmd, cwd, env, seed)
            if isinstance(found, str):
                return {"instructions_skipped": f"{key}: {found}"}
            runs.append(found)
        counts[key] = statistics.median(runs)
    real, ours, bare = counts["real"], counts["ours"], counts["bare"]
    return {
        "instructions": counts,
        "instruction_ratio": ours / real,
        "net_instruction_ratio": (ours - bare) / max(real - bare, 1),
    }


#: Requests each in-process scenario serves in the counted run of
#: :func:`request_instructions` (the other serves none).
COUNTED_REQUESTS = 1000


def request_instructions(names: list[str]) -> dict[str, t.Any]:
    """Instructions per request of each in-process scenario, for both
    implementations: the worker runs under callgrind once serving
    :data:`COUNTED_REQUESTS` requests after its warm-up and once serving
    none, and the difference is divided by that number. With a fixed hash
    seed the count is the same from one run to the next, whatever else the
    machine does. ``skipped`` says why there is no count."""
    env = child_env()
    rows: dict[str, dict[str, t.Any]] = {}
    for name in names:
        row: dict[str, t.Any] = {}
        for impl in ("real", "ours"):
            counts = []
            for n in (0, COUNTED_REQUESTS):
                cmd = [env_python(impl), WORKER, "count", "--only", name,
                       "--iterations", str(n)]  # fmt: skip
                found = callgrind_count(cmd, BENCH, env)
                if isinstance(found, str):
                    return {"skipped": f"{name}, {impl}: {found}"}
                counts.append(found)
            row[impl] = (counts[1] - counts[0]) / COUNTED_REQUESTS
        row["ratio"] = row["ours"] / row["real"] if row["real"] > 0 else None
        rows[name] = row
    # Over the core scenarios, as the timed geomean.
    ratios = [r["ratio"] for n, r in rows.items() if r["ratio"] and n in CORE]
    return {"rows": rows, "geomean": geomean(ratios), "requests": COUNTED_REQUESTS}


def peak_memory(s: Settings) -> dict[str, t.Any]:
    """ru_maxrss of a process that builds the core apps and serves 2000 requests."""
    samples: dict[str, list[int]] = {"real": [], "ours": []}
    for _ in range(s.memory_runs):
        for impl in ("real", "ours"):
            result = run_worker(impl, ["memory", "--requests", "2000"], timeout=300)
            if "error" in result:
                return {"error": f"{impl}: {result['error']}"}
            samples[impl].append(result["maxrss_kb"])
    real = statistics.median(samples["real"])
    ours = statistics.median(samples["ours"])
    return {"real_kb": real, "ours_kb": ours, "ratio": ours / real, "samples": samples}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn (master and its worker: its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)


E2E_ENDPOINTS = {
    "plaintext": "/plaintext",
    "json": "/json",
    "db": "/db",
    "queries": "/queries?queries=20",
    "fortunes": "/fortunes",
    "updates": "/updates?queries=20",
}
E2E_IMPLS = ("bare", "real", "ours")
E2E_WORKERS = {
    "sync": ["--worker-class=sync"],
    "gthread": ["--worker-class=gthread", "--threads=4"],
}
E2E_CONNECTIONS = 8


def _start_gunicorn(impl: str, worker: str) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn with one worker of class ``worker`` serving the TechEmpower app
    of ``impl`` (``bare``: the framework-free app, run in the real venv)."""
    port = _free_port()
    venv = "real" if impl == "bare" else impl
    cmd = [
        env_bin(venv, "gunicorn"),
        "--workers=1",
        *E2E_WORKERS[worker],
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--backlog=2048",
        f"--chdir={BENCH}",
        "wsgi_app:app",
    ]
    env = child_env() | {"BENCH_APP": "bare" if impl == "bare" else "tfb"}
    proc = subprocess.Popen(
        cmd,
        cwd=BENCH,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    if not _wait_for_port(port, proc, 30):
        raise RuntimeError(
            f"gunicorn ({impl}, {worker}) did not start: {_stderr_of(proc)}"
        )
    return proc, port


def _stderr_of(proc: subprocess.Popen[bytes]) -> str:
    _stop(proc)
    return proc.stderr.read().decode()[-1000:] if proc.stderr else ""


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _wrk(url: str, seconds: float) -> dict[str, float]:
    """requests/s, p50 and p99 latency (ms) from ``wrk --latency``."""
    duration = f"-d{max(1, round(seconds))}s"  # wrk takes whole seconds
    cmd = ["wrk", "-t1", f"-c{E2E_CONNECTIONS}", duration, "--latency", url]
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx responses from {url}:\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    if not rps or set(lat) != {"50", "99"}:
        raise RuntimeError(f"unexpected wrk output:\n{out}")

    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
        return float(number) * _UNITS[unit]

    return {"rps": float(rps.group(1)), "p50": ms(lat["50"]), "p99": ms(lat["99"])}


def _pyload(url: str, seconds: float) -> dict[str, float]:
    """A load generator for machines without wrk: ``E2E_CONNECTIONS`` threads,
    each with its own HTTP/1.1 connection (reopened when the server closes
    it), sending requests back to back. Slower than wrk (the client shares the
    GIL), so its numbers are lower bounds of the server's throughput."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def client() -> None:
        con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine: list[float] = []
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                con.request("GET", target)
                response = con.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(f"status {response.status}")
                    return
                mine.append(time.perf_counter() - started)
                if response.will_close:
                    con.close()
        except OSError as e:
            errors.append(repr(e))
        finally:
            con.close()
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(E2E_CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors or not latencies:
        raise RuntimeError(f"load generator errors on {url}: {errors[:3]}")
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {
        "rps": len(latencies) / elapsed,
        "p50": pick(0.50) * 1000,
        "p99": pick(0.99) * 1000,
    }


def end_to_end(s: Settings) -> dict[str, t.Any]:
    """The TechEmpower endpoints over HTTP: gunicorn (sync and gthread, one
    worker) serving the bare app, real Flask and ours, loaded by wrk (or the
    Python load generator). Medians over rounds of rps, p50 and p99."""
    load = _wrk if shutil.which("wrk") else _pyload
    tool = "wrk" if load is _wrk else "python"
    samples: dict[str, dict[str, dict[str, dict[str, list[float]]]]] = {}
    try:
        for r in range(s.wrk_rounds):
            for worker in E2E_WORKERS:
                for impl in E2E_IMPLS:
                    log(f"  round {r + 1}/{s.wrk_rounds}: gunicorn {worker} {impl}")
                    proc, port = _start_gunicorn(impl, worker)
                    try:
                        for name, path in E2E_ENDPOINTS.items():
                            url = f"http://127.0.0.1:{port}{path}"
                            load(url, 1)  # warm up
                            got = load(url, s.wrk_seconds)
                            slot = samples.setdefault(worker, {}).setdefault(name, {})
                            for key, value in got.items():
                                slot.setdefault(f"{impl}_{key}", []).append(value)
                    finally:
                        _stop(proc)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        return {"error": str(e)}
    out: dict[str, t.Any] = {"tool": tool, "connections": E2E_CONNECTIONS, "rows": {}}
    for worker, per_endpoint in samples.items():
        for name, slot in per_endpoint.items():
            row = {key: statistics.median(v) for key, v in slot.items()}
            # Per-request time is 1 / throughput; the bare app's is the server
            # plus the same database and template work without the framework.
            for impl in ("real", "ours"):
                per_req = 1 / row[f"{impl}_rps"]
                bare = 1 / row["bare_rps"]
                row[f"{impl}_framework_share"] = max(0.0, (per_req - bare) / per_req)
            row["ratio"] = row["real_rps"] / row["ours_rps"]
            row["samples"] = slot
            out["rows"][f"{worker}/{name}"] = row
    return out


# -- report -------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def problem_lines(problems: dict[str, list[str]], note: str) -> list[str]:
    """A report's closing section: each key's problems, under a heading
    saying what ``note`` says of them (nothing if there are none)."""
    if not problems:
        return []
    out = [f"\nproblems ({note}):"]
    for key, found in problems.items():
        out.extend(f"  {key}: {p}" for p in found)
    return out


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def geomean(values: list[float]) -> float | None:
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def _row(
    name: str, real: float | None, ours: float | None, unit: str, ratio: float | None,
    ok: bool, digits: int = 1,
) -> list[str]:  # fmt: skip
    return [name, fmt(real, digits), fmt(ours, digits), unit, fmt(ratio, 2),
            "ok" if ok else "DIFF"]  # fmt: skip


def report(result: dict[str, t.Any]) -> tuple[str, bool]:
    """The printed report, and whether every response matched."""
    out: list[str] = []
    all_ok = True
    header = ["scenario", "real", "ours", "unit", "ratio", "ok"]
    core = result["core"]
    if core:
        rows = [header]
        for name, r in core.items():
            all_ok &= r["ok"]
            rows.append(_row(name, r["real"], r["ours"], "us/req", r["ratio"], r["ok"]))
        out.append(table(rows))
        out.append(
            f"\ngeomean ratio over {len(result['geomean_of'])} in-process scenarios: "
            f"{fmt(result['geomean'], 3)}"
        )
        floor = result.get("template_vs_jinja") or {}
        for impl in ("real", "ours"):
            if floor.get(impl):
                out.append(
                    f"template, {impl}: {fmt(floor[impl], 2)}x the time of plain"
                    " Jinja rendering the same page (jinja_plain)"
                )
    tfb = result.get("tfb")
    if tfb:
        out.append("\nTechEmpower-style scenarios on SQLite, in-process")
        rows = [header]
        for name, r in tfb.items():
            all_ok &= r["ok"]
            rows.append(_row(name, r["real"], r["ours"], "us/req", r["ratio"], r["ok"]))
        out.append(table(rows))
        out.append(f"geomean ratio: {fmt(result['tfb_geomean'], 3)}")
    scaling = result["scaling"]
    if scaling:
        out.append("\nroute matching, last route of N (flat = same us at every N)")
        rows = [header]
        for name, r in scaling.items():
            all_ok &= r["ok"]
            rows.append(_row(name, r["real"], r["ours"], "us/req", r["ratio"], r["ok"]))
        out.append(table(rows))
        for impl in ("real", "ours"):
            growth = result["scaling_growth"].get(impl)
            out.append(f"{impl}: us at largest N / us at smallest N = {fmt(growth, 2)}")
    payload = result["payload"]
    if payload:
        out.append("\nJSON POST payload series (cost per KB must not grow with size)")
        rows = [["scenario", "KB", "real us", "ours us", "real us/KB", "ours us/KB"]]
        for name, r in payload.items():
            all_ok &= r["ok"]
            kb = r["kb"]
            real_kb = r["real"] / kb if r["real"] else None
            ours_kb = r["ours"] / kb if r["ours"] else None
            rows.append(
                [name, fmt(kb, 0), fmt(r["real"]), fmt(r["ours"]), fmt(real_kb, 2),
                 fmt(ours_kb, 2)]
            )  # fmt: skip
        out.append(table(rows))
        for impl in ("real", "ours"):
            info = result["payload_linear"][impl]
            steps = ", ".join(fmt(m, 2) for m in info["marginal_us_per_kb"])
            verdict = {None: "n/a", True: "linear", False: "SUPERLINEAR"}
            out.append(
                f"{impl}: marginal us/KB between sizes: {steps} "
                f"-> {verdict[info['linear']]}"
            )
    counted = result.get("instructions") or {}
    if counted.get("rows"):
        out.append(
            f"\ninstructions per request (callgrind, {counted['requests']} requests"
            " after a warm-up; the same from run to run)"
        )
        rows = [["scenario", "real", "ours", "unit", "ratio"]]
        for name, r in counted["rows"].items():
            rows.append(
                [name, fmt(r["real"] / 1000), fmt(r["ours"] / 1000), "thousand",
                 fmt(r["ratio"], 3)]
            )  # fmt: skip
        out.append(table(rows))
        if counted["geomean"] is not None:
            out.append(
                f"geomean ratio over the core scenarios: {fmt(counted['geomean'], 3)}"
            )
    elif counted.get("skipped"):
        out.append(f"\ninstructions per request: skipped: {counted['skipped']}")
    extras = []
    for key, (_script, label, _summary) in COLD_STARTS.items():
        cs = result.get(key)
        if not cs or "error" in cs:
            continue
        extras.append(
            _row(label, cs["real_ms"], cs["ours_ms"], "ms cpu", cs["ratio"], True)
        )
        if "ratio_quartiles" in cs:  # not in results saved before it was kept
            low, high = cs["ratio_quartiles"]
            extras.append(
                [f"  paired ratios of {cs['runs']} runs, quartiles", "", "", "",
                 f"{low:.2f}-{high:.2f}", ""]
            )  # fmt: skip
        counts = cs.get("instructions")
        if counts:
            # Three digits: the count is exact enough for them.
            extras.append(
                ["  instructions (callgrind)", fmt(counts["real"] / 1e6),
                 fmt(counts["ours"] / 1e6), "million",
                 fmt(cs["instruction_ratio"], 3), ""]
            )  # fmt: skip
        net_real = cs["real_ms"] - cs["bare_ms"]
        net_ours = cs["ours_ms"] - cs["bare_ms"]
        extras.append(
            _row(f"{label} - bare python", net_real, net_ours, "ms cpu",
                 cs["net_ratio"], True)
        )  # fmt: skip
    mem = result.get("memory")
    if mem and "error" not in mem:
        extras.append(
            _row("peak memory (maxrss)", mem["real_kb"], mem["ours_kb"], "KB",
                 mem["ratio"], True, digits=0)
        )  # fmt: skip
    if extras:
        out.append("\n" + table([header, *extras]))
    for key in (*COLD_STARTS, "memory", "e2e"):
        info = result.get(key) or {}
        for what in ("error", "skipped", "instructions_skipped"):
            if what in info:
                out.append(f"{key}: {what}: {info[what]}")
    e2e = result.get("e2e") or {}
    if e2e.get("rows"):
        out.append(
            f"\nend to end: gunicorn, 1 worker, {e2e['tool']} with "
            f"{e2e['connections']} connections (ratio: real req/s / ours req/s)"
        )
        rows = [["worker/test", "bare rps", "real rps", "ours rps", "ratio",
                 "real p50/p99 ms", "ours p50/p99 ms",
                 "framework real/ours"]]  # fmt: skip
        for name, r in e2e["rows"].items():
            rows.append(
                [name, fmt(r["bare_rps"], 0), fmt(r["real_rps"], 0),
                 fmt(r["ours_rps"], 0), fmt(r["ratio"], 2),
                 f"{r['real_p50']:.2f}/{r['real_p99']:.2f}",
                 f"{r['ours_p50']:.2f}/{r['ours_p99']:.2f}",
                 f"{r['real_framework_share']:.0%}/{r['ours_framework_share']:.0%}"]
            )  # fmt: skip
        out.append(table(rows))
        out.append(
            "(framework = share of the time per request (1/rps) above the bare"
            " WSGI app's, which does the same work without a framework; the rest"
            " is the server, the database and the template)"
        )
    problems = [
        f"  {name}: {p}"
        for section in ("core", "scaling", "payload", "tfb", "floor")
        for name, row in result[section].items()
        for p in row["problems"]
    ]
    if problems:
        out.append("\nresponse problems:\n" + "\n".join(problems))
    lines = summary(result)
    if lines:
        out.append(
            "\nsummary: time (or memory) of this package / Flask 3.1.3's;"
            " 0.50 = half, under 1 = ours is faster"
        )
        out.extend(f"  {line}" for line in lines)
    if not all_ok:
        out.append("  some responses differ: see the DIFF rows above")
    return "\n".join(out), all_ok


def _times(ratio: float) -> str:
    """A ratio ours/real as words: "2.5x faster", "1.2x slower"."""
    if ratio <= 0:
        return "-"
    if ratio < 1:
        return f"{1 / ratio:.1f}x faster"
    if ratio > 1:
        return f"{ratio:.1f}x slower"
    return "the same"


def summary(result: dict[str, t.Any]) -> list[str]:
    """The closing lines of the report: the ratios that sum the run up,
    each with what it means. Only what was measured is listed."""
    lines: list[str] = []
    core = {n: r for n, r in result.get("core", {}).items() if r["ratio"] is not None}
    geo = result.get("geomean")
    if geo is not None:
        lines.append(
            f"in-process, {len(core)} scenarios: geomean {geo:.2f} ({_times(geo)})"
        )
        best = min(core, key=lambda n: core[n]["ratio"])
        worst = max(core, key=lambda n: core[n]["ratio"])
        lines.append(
            f"  best {best} {core[best]['ratio']:.2f},"
            f" worst {worst} {core[worst]['ratio']:.2f}"
        )
    tfb = result.get("tfb_geomean")
    if tfb is not None:
        lines.append(
            f"TechEmpower-style, in-process: geomean {tfb:.2f} ({_times(tfb)})"
        )
    growth = (result.get("scaling_growth") or {}).get("ours")
    if growth is not None:
        lines.append(
            f"route matching: {growth:.2f}x the time per request with the"
            " most routes as with the fewest"
        )
    for key, label in (
        *((key, summary) for key, (_script, _label, summary) in COLD_STARTS.items()),
        ("memory", "peak memory"),
    ):
        ratio = (result.get(key) or {}).get("ratio")
        if ratio is not None:
            lines.append(f"{label}: {ratio:.2f}")
    e2e = (result.get("e2e") or {}).get("rows") or {}
    speedups = [1 / r["ratio"] for r in e2e.values() if r.get("ratio")]
    if speedups:
        lines.append(
            f"behind gunicorn: {min(speedups):.1f} to {max(speedups):.1f} times"
            " Flask's requests per second"
        )
    return lines


# -- main ---------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, Settings]:
    parser = argparse.ArgumentParser(
        description="Benchmark this Flask against real Flask 3.1.3."
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5)")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter loops")
    parser.add_argument(
        "--only",
        help="comma-separated scenarios or groups: "
        + ", ".join([*GROUPS, *CORE, *PAYLOAD[1:], *SCALING, *TFB, *EXTRAS])
        + " (wrk: alias of e2e)",
    )
    parser.add_argument("--json", metavar="OUT", help="also write results as JSON")
    parser.add_argument(
        "--plot", metavar="DIR", help="also write PNG charts into DIR (matplotlib)"
    )
    parser.add_argument(
        "--plot-from",
        metavar="JSON",
        help="with --plot: chart a file saved by --json instead of running",
    )
    parser.add_argument(
        "--cold-runs",
        type=int,
        metavar="N",
        help="processes per implementation for each cold start (default 10,"
        " 4 with --quick); the ratio is the median of N paired runs",
    )
    parser.add_argument(
        "--cold-instructions",
        action="store_true",
        help="also count each cold start's instructions with valgrind's"
        " callgrind (3 runs per implementation, about 7 s each)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count the instructions per request of the selected"
        " in-process scenarios with valgrind's callgrind",
    )
    parser.add_argument("--reinstall", action="store_true", help="recreate the venvs")
    parser.add_argument(
        "--profile",
        metavar="NAMES",
        help="instead of timing: cProfile these scenarios on our package",
    )
    parser.add_argument("--profile-out", metavar="FILE", help="write the profile here")
    args = parser.parse_args(argv)
    selected: set[str] = set()
    if args.only:
        for item in args.only.split(","):
            item = item.strip()
            if item in GROUPS:
                selected.update(GROUPS[item])
            elif item == "wrk":
                selected.add("e2e")
            elif item in {*CORE, *PAYLOAD, *SCALING, *TFB, *EXTRAS}:
                selected.add(item)
            else:
                parser.error(f"unknown scenario or group {item!r}")
    else:
        selected = {*CORE, *PAYLOAD, *SCALING, *TFB, *EXTRAS}
    if args.cold_runs is not None and args.cold_runs < 1:
        parser.error("--cold-runs must be at least 1")
    if args.quick:
        settings = Settings(args.rounds or 3, 0.06, 3, 4, 1, 1, 1, selected)
    else:
        settings = Settings(args.rounds or 5, 0.25, 5, 10, 3, 3, 3, selected)
    if args.cold_runs:
        settings = settings._replace(cold_runs=args.cold_runs)
    if args.cold_instructions:
        settings = settings._replace(cold_instructions=True)
    return args, settings


def profile(names: str, out_file: str | None) -> None:
    result = run_worker(
        "ours", ["profile", "--only", names, "--iterations", "5000"], timeout=600
    )
    if "error" in result:
        sys.exit(result["error"])
    text = []
    for name, entry in result.items():
        if name == "stderr":
            continue
        text.append(
            f"=== {name}: {entry['iterations']} requests, "
            f"{entry['calls_per_request']:.0f} function calls per request ===\n"
            + entry["text"]
        )
    joined = "\n".join(text)
    print(joined)
    if out_file:
        with open(out_file, "w") as f:
            f.write(joined)


def main(argv: list[str] | None = None) -> int:
    args, s = parse_args(argv)
    started = time.monotonic()
    if args.plot_from:
        if not args.plot:
            sys.exit("--plot-from needs --plot DIR")
        plot(args.plot_from, args.plot, args.reinstall)
        return 0
    for impl in ("real", "ours"):
        ensure_env(impl, args.reinstall)
    envs = {impl: check_env(impl) for impl in ("real", "ours")}
    if args.profile:
        profile(args.profile, args.profile_out)
        return 0
    for impl, info in envs.items():
        log(
            f"{impl}: flask {info['version']} werkzeug {info['werkzeug']} "
            f"({info['path']})"
        )
    if envs["real"]["werkzeug"] != envs["ours"]["werkzeug"]:
        log("warning: the two venvs have different Werkzeug versions")

    if "template" in s.selected:
        s = s._replace(selected=s.selected | set(FLOOR))
    in_process = [n for n in CORE + PAYLOAD[1:] + TFB + FLOOR if n in s.selected]
    if in_process:
        log(f"in-process scenarios: {s.rounds} rounds ...")
    raw = bench_rounds(in_process, s, timeout=300) if in_process else None
    summary = summarize(in_process, raw) if raw else {}
    scaling_names = [n for n in SCALING if n in s.selected]
    raw_scaling = None
    scaling = {}
    if scaling_names:
        log("route scaling (one round: 10,000 routes take a while to build) ...")
        one_round = s._replace(rounds=1)
        raw_scaling = bench_rounds(scaling_names, one_round, timeout=900)
        scaling = summarize(scaling_names, raw_scaling)
    result: dict[str, t.Any] = {
        "versions": envs,
        "settings": s._asdict() | {"selected": sorted(s.selected)},
        "core": {n: summary[n] for n in CORE if n in summary},
        "scaling": scaling,
        "payload": {n: summary[n] for n in PAYLOAD if n in summary},
        "tfb": {n: summary[n] for n in TFB if n in summary},
        "floor": {n: summary[n] for n in FLOOR if n in summary},
        "raw": {"rounds": raw, "scaling": raw_scaling},
    }
    for name, row in result["payload"].items():
        row["kb"] = PAYLOAD_KB[name]
    result["payload_linear"] = _linearity(result["payload"])
    ratios = [r["ratio"] for r in result["core"].values() if r["ratio"] is not None]
    result["geomean"] = geomean(ratios)
    result["geomean_of"] = [n for n, r in result["core"].items() if r["ratio"]]
    result["scaling_growth"] = _growth(scaling)
    result["template_vs_jinja"] = _template_floor(result["core"], result["floor"])
    result["tfb_geomean"] = geomean(
        [r["ratio"] for r in result["tfb"].values() if r["ratio"] is not None]
    )
    counted = [n for n in in_process if n not in FLOOR]
    if args.instructions and counted:
        log("instructions per request (callgrind) ...")
        result["instructions"] = request_instructions(counted)
    for key, (_script, label, _summary) in COLD_STARTS.items():
        if key in s.selected:
            log(f"{label} ...")
            result[key] = cold_start(s, key)
    if "memory" in s.selected:
        log("peak memory ...")
        result["memory"] = peak_memory(s)
    if "e2e" in s.selected:
        log("end to end (gunicorn) ...")
        result["e2e"] = end_to_end(s)
    result["seconds"] = time.monotonic() - started
    text, all_ok = report(result)
    print(text)
    print(f"\n(total {result['seconds']:.0f}s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2, default=str)
    if args.plot:
        os.makedirs(args.plot, exist_ok=True)
        saved = args.json
        if not saved:
            saved = os.path.join(args.plot, "results.json")
            with open(saved, "w") as f:
                json.dump(result, f, indent=2, default=str)
        plot(saved, args.plot, args.reinstall)
    return 0 if all_ok else 1


def plot(source: str, outdir: str, reinstall: bool) -> None:
    """Draw the charts of ``source`` (a --json file) into ``outdir`` with
    plot.py, in a venv of its own that has matplotlib."""
    ensure_env("plot", reinstall)
    source, outdir = os.path.abspath(source), os.path.abspath(outdir)
    out = run_checked([env_python("plot"), PLOT, source, outdir], timeout=300)
    for line in out.split():
        log(f"wrote {line}")


def _linearity(payload: dict[str, t.Any]) -> dict[str, t.Any]:
    """Per implementation: the marginal cost per KB between consecutive sizes.

    Linear (or better) means the marginal us/KB does not grow with the payload;
    a 50% allowance absorbs noise, a superlinear path shows far more than that.
    """
    out: dict[str, t.Any] = {}
    rows = [r for r in payload.values()]
    for impl in ("real", "ours"):
        points = [(r["kb"], r[impl]) for r in rows if r[impl] is not None]
        marginal = [
            (b_us - a_us) / (b_kb - a_kb)
            for (a_kb, a_us), (b_kb, b_us) in zip(points, points[1:], strict=False)
        ]
        out[impl] = {
            "marginal_us_per_kb": marginal,
            "linear": all(
                y <= x * 1.5 for x, y in zip(marginal, marginal[1:], strict=False)
            )
            if len(marginal) >= 2
            else None,
        }
    return out


def _template_floor(
    core: dict[str, t.Any], floor: dict[str, t.Any]
) -> dict[str, float | None]:
    """Per implementation: template us / plain Jinja us (same process)."""
    out: dict[str, float | None] = {}
    template, jinja = core.get("template"), floor.get("jinja_plain")
    for impl in ("real", "ours"):
        if template and jinja and template[impl] and jinja[impl]:
            out[impl] = template[impl] / jinja[impl]
        else:
            out[impl] = None
    return out


def _growth(scaling: dict[str, t.Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    rows = list(scaling.values())
    for impl in ("real", "ours"):
        if len(rows) >= 2 and rows[0][impl] and rows[-1][impl]:
            out[impl] = rows[-1][impl] / rows[0][impl]
        else:
            out[impl] = None
    return out


if __name__ == "__main__":
    sys.exit(main())
