"""Worker process: run the differential app on whichever ``flask`` this
interpreter imports, answer a list of request specs, and write the results.

Usage: ``python -I diff_worker.py ROOT SPECS.json RESULTS.json APPDIR``
(ROOT holds the templates and static files, APPDIR this folder). Each spec
describes a raw WSGI request (so it may be malformed in ways a test client
would refuse); each result holds the status, headers, body and whatever the
app logged. Run once under this checkout and once under real Flask, in
separate processes, so the two packages never import each other.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import sys
import time
import typing as t
import warnings


def build_environ(spec: dict[str, t.Any]) -> dict[str, t.Any]:
    """A WSGI environ exactly as the spec says, malformed parts included."""
    body = base64.b64decode(spec["body"])
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": spec["method"],
        "SCRIPT_NAME": spec.get("script", ""),
        "PATH_INFO": spec["path"],
        "QUERY_STRING": spec["query"],
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": spec.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if spec.get("chunked"):
        environ["wsgi.input_terminated"] = True
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    for name, value in spec["headers"]:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = value
    return environ


def run(app: t.Any, spec: dict[str, t.Any]) -> dict[str, t.Any]:
    environ = build_environ(spec)
    started: list[t.Any] = []

    def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
        started[:] = [status, headers]
        return lambda data: None

    result: dict[str, t.Any] = {"time": time.time()}
    try:
        app_iter = app(environ, start_response)
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        result["status"] = started[0]
        result["headers"] = [list(h) for h in started[1]]
        result["body"] = base64.b64encode(body).decode()
    except Exception as e:  # the app let an exception out: record it
        result["status"] = "exception"
        result["headers"] = []
        result["body"] = ""
        result["exception"] = f"{type(e).__name__}: {e}"
    log = environ["wsgi.errors"].getvalue().strip().splitlines()
    result["log"] = log[-1] if log else ""
    return result


def main() -> None:
    root, specs_path, out_path = sys.argv[1:4]
    sys.path.insert(0, sys.argv[4])
    from diff_app import create_app
    from diff_app import create_lean_app
    from diff_app import STR_FALLBACK

    import flask

    apps = {
        "main": create_app(root),
        "custom": create_app(root, custom_session=True),
        "strkey": create_app(root, fallbacks=STR_FALLBACK),
        "named": create_app(root, server_name="example.com:8080"),
        "lean": create_lean_app(root),
        "leansync": create_lean_app(root, sync=True),
    }
    # unhandled exceptions are logged to wsgi.errors; keep other noise out
    logging.getLogger("werkzeug").disabled = True
    # werkzeug warns about oversized cookies: the responses show them anyway
    warnings.simplefilter("ignore")
    with open(specs_path) as f:
        specs = json.load(f)
    results = [run(apps[spec["app"]], spec) for spec in specs]
    import importlib.metadata

    with open(out_path, "w") as f:
        json.dump(
            {
                "flask": flask.__file__,
                "version": importlib.metadata.version("flask"),
                "results": results,
            },
            f,
        )


if __name__ == "__main__":
    main()
