"""Per-class memos (``flask._class_memo``) never keep a class alive: a
response class made per request (as flask-sock does) goes with its
request."""

from __future__ import annotations

import gc
import typing as t
import weakref

import flask
from flask._class_memo import ClassMemo
from flask._class_memo import MISSING


class ModuleLevel:
    pass


def test_module_level_classes_are_kept_in_the_fast_dict() -> None:
    memo: ClassMemo[int] = ClassMemo()
    assert memo.find(ModuleLevel) is MISSING
    assert memo.put(ModuleLevel, 1) == 1
    assert memo.fast[ModuleLevel] == 1
    assert memo.find(ModuleLevel) == 1


def test_local_classes_are_remembered_weakly() -> None:
    memo: ClassMemo[int] = ClassMemo()

    class Local:
        pass

    memo.put(Local, 2)
    assert Local not in memo.fast
    assert memo.find(Local) == 2
    assert len(memo) == 1
    ref = weakref.ref(Local)
    del Local
    gc.collect()
    assert ref() is None
    assert len(memo) == 0


def test_full_fast_dict_sends_further_classes_to_the_weak_one(
    monkeypatch: t.Any,
) -> None:
    monkeypatch.setattr("flask._class_memo._FAST_MAX", 1)
    memo: ClassMemo[str] = ClassMemo()
    memo.put(ModuleLevel, "a")
    memo.put(ModuleLevel, "b")  # an update stays where it is
    assert memo.fast == {ModuleLevel: "b"}
    memo.put(int, "c")
    assert int not in memo.fast
    assert memo.find(int) == "c"


def test_a_response_class_made_per_request_is_not_kept() -> None:
    app = flask.Flask(__name__)
    made: list[weakref.ref[type]] = []
    requests: list[weakref.ref[t.Any]] = []

    @app.route("/<kind>")
    def view(kind: str) -> t.Any:
        class PerRequest(flask.Response):
            request = flask.request._get_current_object()  # type: ignore[attr-defined]

        made.append(weakref.ref(PerRequest))
        requests.append(weakref.ref(flask.request._get_current_object()))  # type: ignore[attr-defined]
        if kind == "json":
            return PerRequest('{"a": 1}', mimetype="application/json")
        if kind == "abort":
            flask.abort(PerRequest("no", status=418))
        return PerRequest("hello")

    client = app.test_client()
    for kind in ("text", "json", "abort", "text"):
        response = client.get(f"/{kind}")
        assert response.status_code in (200, 418)
    assert client.get("/text").data == b"hello"
    assert client.get("/json").get_json() == {"a": 1}
    del response
    gc.collect()
    assert len(made) == 6
    assert [ref() for ref in made] == [None] * 6
    assert [ref() for ref in requests] == [None] * 6
