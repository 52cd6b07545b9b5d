"""Differential test: the same app behind gunicorn (WSGI) and uvicorn
(``app.asgi_app``), the same requests as raw bytes.

The app of ``tests/differential`` (``wire_app.py``) runs under both servers,
started on free ports of 127.0.0.1. Each of the suite's seeded random and
malformed requests, with some changes that only exist on the wire
(``wire_requests.py``), is sent byte for byte to both (``wire_client.py``).
Status, reason phrase, interim responses, headers and decoded body must be
the same (``wire_compare.py``), or the difference must match an entry of
the allow-list (``wire_allow.py``); anything else is a bug of the ASGI door
and fails with a readable diff of the first few.
"""

from __future__ import annotations

import collections
import re
import time
import typing as t
from pathlib import Path

import pytest
from diff_app import write_files
from wire_allow import ALLOWED
from wire_allow import app_header_value
from wire_allow import classify
from wire_allow import detail
from wire_compare import describe
from wire_compare import normalize
from wire_options import DEFAULT_COUNT
from wire_options import DEFAULT_SEED
from wire_parsers import uvicorn_page
from wire_requests import generate
from wire_requests import MUTATIONS
from wire_servers import door_errors
from wire_servers import meta
from wire_servers import running
from wire_servers import send_all

pytest.importorskip("gunicorn")
pytest.importorskip("uvicorn")
pytest.importorskip("h11")

HERE = Path(__file__).resolve().parent
CHECKOUT_FLASK = HERE.parents[1] / "src" / "flask" / "__init__.py"
SHOWN = 8
#: what the door raises for a response head it cannot send (``_stream``)
REFUSED = re.compile(
    r"ValueError: The response(?: status|'s Content-Length| header) .* cannot be sent"
)
#: what uvicorn's h11 raises from ``send`` for a body shorter than the
#: Content-Length the app set (``/header-value?len=``): the head is out, so
#: both servers end up sending the same cut-short answer
SHORT_BODY = "h11._util.LocalProtocolError: Too little data for declared Content-Length"


def promises_more(spec: dict[str, t.Any]) -> bool:
    """Whether the app answers with a Content-Length larger than its body
    (``/header-value`` answers ``h``)."""
    length = app_header_value(spec)[1]
    digits = None if length is None else length.strip(" \t")
    return bool(digits and digits.isdigit() and int(digits) > 1)


def test_gunicorn_and_uvicorn_answer_the_same(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    seed = request.config.getoption("--asgi-diff-seed", default=DEFAULT_SEED)
    count = request.config.getoption("--asgi-diff-count", default=DEFAULT_COUNT)
    write_files(str(tmp_path))
    specs = generate(seed, count)
    with running(tmp_path) as servers:
        # both serve this checkout, each through the door it should
        assert meta(servers.wsgi) == {"flask": str(CHECKOUT_FLASK), "door": "wsgi"}
        assert meta(servers.asgi) == {"flask": str(CHECKOUT_FLASK), "door": "asgi"}
        started = time.perf_counter()
        replies = send_all(servers, specs)
        elapsed = time.perf_counter() - started
        logs = {
            name: path.read_text(errors="replace")
            for name, path in servers.logs.items()
        }

    same = 0
    allowed: collections.Counter[str] = collections.Counter()
    details: collections.Counter[str] = collections.Counter()
    unexplained = []
    for i, (spec, (wsgi, asgi)) in enumerate(zip(specs, replies, strict=True)):
        n_wsgi, n_asgi = normalize(wsgi), normalize(asgi)
        if n_wsgi == n_asgi:
            same += 1
            continue
        name = classify(spec, n_wsgi, n_asgi, wsgi, asgi)
        if name is None:
            unexplained.append(describe(i, spec, wsgi, asgi))
        else:
            allowed[name] += 1
            details[detail(name, spec, wsgi, asgi)] += 1
    summary = (
        f"seed {seed}: {count} requests in {elapsed:.1f}s, {same} the same,"
        f" {sum(allowed.values())} allowed differences:\n  "
        + "\n  ".join(f"{n} {k}" for k, n in sorted(details.items()))
    )
    print(summary)
    if unexplained:
        pytest.fail(
            f"{summary}\n\n{len(unexplained)} unexplained differences between"
            f" gunicorn and uvicorn; the first {min(SHOWN, len(unexplained))}:\n\n"
            + "\n\n".join(unexplained[:SHOWN])
            + "\n\nuvicorn's log ends with:\n"
            + logs["asgi"][-3000:],
            pytrace=False,
        )
    # The door let an exception out only to refuse a response head HTTP
    # cannot carry, and each time uvicorn answered 500 with its own page;
    # or uvicorn raised from send() because the app's body fell short of
    # the Content-Length it set.
    errors = door_errors(logs["asgi"])
    refused = [e for e in errors if REFUSED.match(e)]
    short = [e for e in errors if e == SHORT_BODY]
    assert len(refused) + len(short) == len(errors), errors
    assert len(short) <= sum(map(promises_more, specs)), errors
    pages = sum(uvicorn_page(asgi, 500) for _, asgi in replies)
    assert len(refused) == pages, (len(refused), pages)
    # The run covers what it is meant to: most requests reach the app on
    # both sides and answer the same; every change made on the wire is sent.
    assert same > count * 0.6, summary
    mutations = {s["wire"].get("mutation") for s in specs}
    if count >= 2000:
        assert set(MUTATIONS) <= mutations


def test_allow_list_entries_are_documented() -> None:
    """Every allow-list entry has a reason and appears in the docs page."""
    docs = (HERE.parents[1] / "docs" / "differences.rst").read_text()
    for entry in ALLOWED:
        assert entry.why.strip()
        assert f"``{entry.name}``" in docs, entry.name
