"""Scenarios 2 to 5: shared state in one real Redis, used by many processes.

One Redis server and four hosts of ``scaleout_app`` for the module: gunicorn
sync and gthread (two workers each) and two uvicorn processes, so six
worker processes, WSGI and ASGI mixed, behind a round-robin balancer. Redis
is emptied before each test.
"""

from __future__ import annotations

import time
import typing as t
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import scaleout_harness as harness


class Cluster(t.NamedTuple):
    redis: harness.RedisServer
    servers: list[harness.AppServer]
    balancer: harness.Balancer


@pytest.fixture(scope="module")
def cluster(redis_binary: str, workdir: Path) -> t.Iterator[Cluster]:
    redis = harness.RedisServer(redis_binary, workdir)
    redis.start()
    try:
        servers = harness.redis_hosts(redis.url, workdir)
        with harness.running(servers):
            yield Cluster(redis, servers, harness.Balancer(servers))
    finally:
        redis.stop()


@pytest.fixture
def lb(cluster: Cluster) -> t.Iterator[harness.Balancer]:
    """The balancer, over an empty Redis; server logs shown on failure."""
    cluster.redis.flush()
    try:
        yield cluster.balancer
    except BaseException:
        print(harness.logs(cluster.servers))
        raise


def _on_every_host(
    browser: harness.Browser, servers: list[harness.AppServer], method: str, path: str
) -> list[harness.Response]:
    return [browser.request(method, path, port=s.port) for s in servers]


# -- 2. Flask-Session on Redis ---------------------------------------------------


def test_server_side_session_shared_by_all_processes(
    lb: harness.Balancer, cluster: Cluster
) -> None:
    browser = harness.Browser(lb)
    first = browser.post("/session/written_by", form={"value": "first"})
    assert first.status == 200
    sid = browser.cookies["session"]
    # The cookie holds only the session id; the data is in Redis.
    assert "first" not in sid

    # Read through every host, then one update through each in turn.
    for resp in _on_every_host(browser, cluster.servers, "GET", "/session"):
        assert resp.status == 200
        assert resp.json()["data"]["written_by"] == "first", resp.served_by
    for server in cluster.servers:
        resp = browser.request(
            "POST",
            f"/session/{server.name}",
            form={"value": server.name},
            port=server.port,
        )
        assert resp.status == 200
    assert browser.cookies["session"] == sid
    data = browser.get("/session").json()["data"]
    for server in cluster.servers:
        assert data[server.name] == server.name
    assert data["written_by"] == "first"

    # Concurrent updates of different keys. Flask-Session writes the whole
    # session back at the end of a request, so concurrent writers race
    # (the last one wins; the docs say so): what was there before stays,
    # each surviving key has its own value, nothing is corrupted.
    keys = [f"c{i}" for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda k: browser.post(f"/session/{k}", form={"value": k}), keys)
        )
    assert [r.status for r in results] == [200] * 8
    after = browser.get("/session").json()["data"]
    assert {k: v for k, v in after.items() if not k.startswith("c")} == data
    survivors = {k: v for k, v in after.items() if k.startswith("c")}
    assert survivors and all(survivors[k] == k for k in survivors)

    # Where Redis itself promises it (one HSET per field), concurrent
    # updates of different fields through different processes all land.
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda k: browser.post(f"/profile/{k}", form={"value": k}), keys)
        )
    assert [r.status for r in results] == [200] * 8
    assert len({r.served_by for r in results}) >= 4
    assert browser.get("/profile").json() == {k: k for k in keys}

    # Another browser does not see it.
    other = harness.Browser(lb).get("/session").json()["data"]
    assert "written_by" not in other


# -- 3. Flask-Limiter with Redis storage -----------------------------------------


def test_rate_limit_is_exact_across_processes(lb: harness.Balancer) -> None:
    limit, total, clients = 20, 60, 8
    bucket = uuid.uuid4().hex
    browsers = [harness.Browser(lb) for _ in range(clients)]

    def hit(i: int) -> harness.Response:
        return browsers[i % clients].get(f"/limited?bucket={bucket}")

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(hit, range(total)))
    statuses = [r.status for r in results]
    assert statuses.count(200) == limit, statuses
    assert statuses.count(429) == total - limit, statuses
    assert {r.headers["X-RateLimit-Limit"] for r in results} == {str(limit)}
    # The limit really was shared: both kinds of answer came from several
    # processes, gunicorn's and uvicorn's.
    served = {r.served_by for r in results}
    assert len(served) >= 4, served
    for status in (200, 429):
        hosts = {r.served_by.split("/")[0] for r in results if r.status == status}
        assert len(hosts) >= 2, (status, hosts)
    # Another bucket is not affected.
    assert harness.Browser(lb).get("/limited?bucket=other").status == 200


# -- 4. Flask-Caching with Redis ------------------------------------------------


def test_cache_shared_and_cleared_everywhere(
    lb: harness.Balancer, cluster: Cluster
) -> None:
    browser = harness.Browser(lb)
    # A session and a limit counter next to the cache: clearing the cache
    # must not touch them (the cache clears only its own key prefix).
    assert browser.post("/session/keep", form={"value": "me"}).status == 200
    assert browser.get("/limited?bucket=keep").status == 200

    first = browser.get("/cached/report")
    assert first.status == 200
    value = first.json()["value"]
    assert value["by"] == first.served_by
    for resp in _on_every_host(browser, cluster.servers, "GET", "/cached/report"):
        assert resp.json()["value"] == value, resp.served_by

    cleared = browser.post("/cache/clear")
    assert cleared.json() == {"cleared": True}
    again = _on_every_host(browser, cluster.servers, "GET", "/cached/report")
    recomputed = again[0].json()["value"]
    assert recomputed["token"] != value["token"]
    assert recomputed["by"] == again[0].served_by
    assert all(r.json()["value"] == recomputed for r in again)

    assert browser.get("/session").json()["data"]["keep"] == "me"
    assert browser.get("/limited?bucket=keep").headers["X-RateLimit-Remaining"] == "18"


# -- 5. Background jobs with RQ ----------------------------------------------------


def test_rq_job_runs_in_an_app_context(
    lb: harness.Balancer, cluster: Cluster, workdir: Path
) -> None:
    worker = harness.make_server(
        "rq",
        "scaleout_app.AppWorker",
        "rq-worker",
        dict(cluster.servers[0].env),
        workdir,
        redis_url=cluster.redis.url,
    )
    browser = harness.Browser(lb)
    with harness.running([worker]):
        jobs = {}
        for n in range(3):
            numbers = list(range(n + 2))
            resp = browser.post(
                "/reports", form={"numbers": ",".join(map(str, numbers))}
            )
            assert resp.status == 202, resp.body
            jobs[resp.json()["id"]] = numbers
        done: dict[str, dict[str, t.Any]] = {}
        deadline = time.monotonic() + 60
        while len(done) < len(jobs) and time.monotonic() < deadline:
            for job_id in jobs.keys() - done.keys():
                resp = browser.get(f"/reports/{job_id}")
                if resp.status == 200:
                    done[job_id] = resp.json()
                else:
                    assert resp.status == 202, resp.body
            time.sleep(0.05)
        if len(done) < len(jobs):
            pytest.fail(f"jobs not done in time:\n{worker.log_tail()}")
    for job_id, numbers in jobs.items():
        report = done[job_id]
        assert report["id"] == job_id
        assert report["total"] == sum(numbers)
        # config, g and a template rendered in the worker's app context
        assert report["title"] == f"Weekly report of {len(numbers)}"
        assert report["app"] == "scaleout_app"
        assert report["worker"].startswith("rq-worker/")
