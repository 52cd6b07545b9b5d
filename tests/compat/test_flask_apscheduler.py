"""Flask-APScheduler: jobs from the config, the REST API, jobs in app context."""

from __future__ import annotations

import threading
import time
import typing as t

import pytest
from compat_support import require

import flask

fas = require("flask_apscheduler")
from flask_apscheduler.auth import HTTPBasicAuth  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: what the jobs did, by job id
RUNS: dict[str, list[t.Any]] = {}
DONE = threading.Event()


def record(name: str, value: t.Any = None) -> None:
    """A job function referenced from the config by its import path."""
    RUNS.setdefault(name, []).append(value)


def uses_app_context() -> None:
    """A job that needs the app: it pushes the app context itself."""
    with scheduler_app().app_context():
        record("ctx", flask.current_app.config["GREETING"])
    DONE.set()


_apps: list[flask.Flask] = []


def scheduler_app() -> flask.Flask:
    return _apps[-1]


@pytest.fixture
def setup() -> t.Iterator[t.Any]:
    RUNS.clear()
    DONE.clear()
    app = flask.Flask(__name__)
    app.config.update(
        TESTING=True,
        GREETING="hi from config",
        SCHEDULER_API_ENABLED=True,
        SCHEDULER_TIMEZONE="UTC",
        JOBS=[
            {
                "id": "nightly",
                "func": f"{__name__}:record",
                "args": ["nightly", 1],
                "trigger": "cron",
                "hour": 3,
            }
        ],
    )
    _apps.append(app)
    scheduler = fas.APScheduler()
    scheduler.init_app(app)
    scheduler.start(paused=True)
    try:
        yield app, scheduler
    finally:
        scheduler.shutdown()
        _apps.remove(app)


def test_jobs_from_config_and_api_info(setup: t.Any) -> None:
    app, scheduler = setup
    assert app.apscheduler is scheduler
    client = app.test_client()
    info = client.get("/scheduler").get_json()
    assert info["running"] is True
    assert info["allowed_hosts"] == ["*"]
    jobs = client.get("/scheduler/jobs").get_json()
    assert [job["id"] for job in jobs] == ["nightly"]
    assert jobs[0]["trigger"] == "cron"
    assert jobs[0]["hour"] == "3"
    assert jobs[0]["func"] == f"{__name__}:record"


def test_add_run_pause_resume_delete_through_the_api(setup: t.Any) -> None:
    app, scheduler = setup
    client = app.test_client()
    job = {
        "id": "every-hour",
        "func": f"{__name__}:record",
        "args": ["hourly", 2],
        "trigger": "interval",
        "hours": 1,
    }
    rv = client.post("/scheduler/jobs", json=job)
    assert rv.status_code == 200
    assert rv.get_json()["id"] == "every-hour"
    rv = client.post("/scheduler/jobs", json=job)
    assert rv.status_code == 409
    assert rv.get_json() == {"error_message": "Job every-hour already exists."}

    assert client.post("/scheduler/jobs/every-hour/run").status_code == 200
    assert RUNS["hourly"] == [2]

    paused = client.post("/scheduler/jobs/every-hour/pause").get_json()
    assert paused["next_run_time"] is None
    resumed = client.post("/scheduler/jobs/every-hour/resume").get_json()
    assert resumed["next_run_time"] is not None

    assert client.delete("/scheduler/jobs/every-hour").status_code == 204
    rv = client.get("/scheduler/jobs/every-hour")
    assert rv.status_code == 404
    assert rv.get_json() == {"error_message": "Job every-hour not found"}


def test_job_runs_in_the_background_with_app_context(setup: t.Any) -> None:
    app, scheduler = setup
    scheduler.add_job("soon", uses_app_context, trigger="date")
    scheduler.resume()
    assert DONE.wait(10), "the scheduled job did not run"
    assert RUNS["ctx"] == ["hi from config"]
    # Let the scheduler thread drop the one-shot job before the shutdown in
    # the fixture (APScheduler raises in its thread if they race).
    deadline = time.monotonic() + 10
    while scheduler.get_job("soon") is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scheduler.get_job("soon") is None


def test_task_decorator_registers_a_job(setup: t.Any) -> None:
    app, scheduler = setup

    @scheduler.task("interval", id="decorated", minutes=5)
    def decorated() -> None:
        record("decorated")

    assert scheduler.get_job("decorated") is not None
    scheduler.run_job("decorated")
    assert RUNS["decorated"] == [None]
    ids = {job["id"] for job in app.test_client().get("/scheduler/jobs").get_json()}
    assert ids == {"nightly", "decorated"}


def test_api_authentication() -> None:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SCHEDULER_API_ENABLED=True)
    scheduler = fas.APScheduler()
    scheduler.auth = HTTPBasicAuth()

    @scheduler.authenticate
    def check(auth: t.Any) -> bool:
        return auth["username"] == "admin" and auth["password"] == "pw"

    scheduler.init_app(app)
    client = app.test_client()
    rv = client.get("/scheduler/jobs")
    assert rv.status_code == 401
    assert rv.data == b"Access Denied"
    assert rv.headers["WWW-Authenticate"].startswith("Basic")
    rv = client.get("/scheduler/jobs", auth=("admin", "pw"))
    assert rv.status_code == 200
    assert rv.get_json() == []
