from __future__ import annotations

import dataclasses
import datetime
import decimal
import io
import typing as t
import uuid
import weakref

import pytest
from markupsafe import Markup

import flask
from flask import json
from flask.json.provider import _default
from flask.json.provider import DefaultJSONProvider
from flask.json.provider import JSONProvider


@dataclasses.dataclass
class Point:
    x: int
    y: int


class HTMLThing:
    def __html__(self) -> Markup:
        return Markup("<p>hi</p>")


# --- _default --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.date(2020, 1, 1), "Wed, 01 Jan 2020 00:00:00 GMT"),
        (datetime.datetime(2020, 1, 1, 12, 0, 1), "Wed, 01 Jan 2020 12:00:01 GMT"),
        (
            datetime.datetime(
                2020, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-3))
            ),
            "Wed, 01 Jan 2020 03:00:00 GMT",
        ),
        (decimal.Decimal("1.50"), "1.50"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (Point(1, 2), {"x": 1, "y": 2}),
        (HTMLThing(), "<p>hi</p>"),
    ],
)
def test_default(value: t.Any, expected: t.Any) -> None:
    assert _default(value) == expected


def test_default_html_returns_plain_str() -> None:
    assert type(_default(HTMLThing())) is str


def test_default_unknown_type() -> None:
    with pytest.raises(TypeError, match="^Object of type object is not JSON"):
        _default(object())


def test_default_dataclass_class_is_an_error() -> None:
    with pytest.raises(TypeError):
        _default(Point)


def test_provider_default_is_module_function() -> None:
    assert DefaultJSONProvider.default is _default
    assert isinstance(DefaultJSONProvider.__dict__["default"], staticmethod)
    assert DefaultJSONProvider.ensure_ascii is True
    assert DefaultJSONProvider.sort_keys is True
    assert DefaultJSONProvider.compact is None
    assert DefaultJSONProvider.mimetype == "application/json"


# --- module functions outside an app context -------------------------------


def test_dumps_without_app() -> None:
    # Plain json: key order kept, but the extra types are handled.
    assert json.dumps({"b": 1, "a": "é"}) == '{"b": 1, "a": "\\u00e9"}'
    assert json.dumps(decimal.Decimal("2")) == '"2"'
    assert json.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'


def test_loads_without_app() -> None:
    assert json.loads('{"a": [1, 2]}') == {"a": [1, 2]}
    assert json.loads(b'"x"') == "x"


def test_dump_load_without_app() -> None:
    f = io.StringIO()
    json.dump({"u": uuid.UUID(int=0)}, f)
    assert f.getvalue() == '{"u": "00000000-0000-0000-0000-000000000000"}'
    f.seek(0)
    assert json.load(f) == {"u": "00000000-0000-0000-0000-000000000000"}


def test_jsonify_needs_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        json.jsonify(1)


# --- with an app -----------------------------------------------------------


def test_app_has_default_provider(app: flask.Flask) -> None:
    assert isinstance(app.json, DefaultJSONProvider)
    # The provider does not keep the app alive.
    assert isinstance(app.json._app, weakref.ProxyTypes)
    assert app.json._app.name == app.name


def test_app_is_freed(app: flask.Flask) -> None:
    other = flask.Flask("freed")
    ref = weakref.ref(other)
    provider = other.json
    del other
    assert ref() is None
    with pytest.raises(ReferenceError):
        provider.response(1)


def test_dumps_with_app_sorts_and_escapes(app: flask.Flask) -> None:
    with app.app_context():
        assert json.dumps({"b": 1, "a": "é"}) == '{"a": "\\u00e9", "b": 1}'
        assert json.dumps({"b": 1, "a": 2}, sort_keys=False) == '{"b": 1, "a": 2}'
        assert json.dumps("é", ensure_ascii=False) == '"é"'
        f = io.StringIO()
        json.dump({"z": 1, "a": 2}, f)
        assert f.getvalue() == '{"a": 2, "z": 1}'
        assert json.load(io.StringIO("[1]")) == [1]
        assert json.loads(b'{"a":1}') == {"a": 1}


def test_provider_attributes_changed_on_instance(app: flask.Flask) -> None:
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    with app.app_context():
        assert json.dumps({"b": "é", "a": 1}) == '{"b": "é", "a": 1}'


def test_custom_provider_used_by_module_functions(app: flask.Flask) -> None:
    class Upper(DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return super().dumps(obj, **kwargs).upper()

        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            return {"custom": super().loads(s, **kwargs)}

    app.json = Upper(app)
    with app.app_context():
        assert json.dumps("abc") == '"ABC"'
        assert json.loads("1") == {"custom": 1}
        assert json.jsonify("abc").get_data(as_text=True) == '"ABC"\n'


def test_json_provider_class(app: flask.Flask) -> None:
    class MyProvider(DefaultJSONProvider):
        sort_keys = False

    class MyFlask(flask.Flask):
        json_provider_class = MyProvider

    other = MyFlask(__name__)
    assert isinstance(other.json, MyProvider)
    with other.app_context():
        assert json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((), {}, b"null\n"),
        ((1,), {}, b"1\n"),
        (([1, 2],), {}, b"[1,2]\n"),
        ((1, 2), {}, b"[1,2]\n"),
        ((), {"b": 1, "a": [1, 2]}, b'{"a":[1,2],"b":1}\n'),
        (({"x": "é"},), {}, b'{"x":"\\u00e9"}\n'),
        (("text",), {}, b'"text"\n'),
    ],
)
def test_jsonify(
    app: flask.Flask,
    args: tuple[t.Any, ...],
    kwargs: dict[str, t.Any],
    expected: bytes,
) -> None:
    with app.app_context():
        rv = flask.jsonify(*args, **kwargs)
    assert rv.data == expected
    assert rv.mimetype == "application/json"
    assert rv.status_code == 200
    assert isinstance(rv, app.response_class)


def test_jsonify_args_and_kwargs(app: flask.Flask) -> None:
    with app.app_context():
        with pytest.raises(TypeError, match="either args or kwargs, not both"):
            flask.jsonify(1, a=2)


def test_jsonify_extra_types(app: flask.Flask) -> None:
    with app.app_context():
        rv = flask.jsonify(
            d=datetime.date(2020, 1, 1),
            dec=decimal.Decimal("0.1"),
            u=uuid.UUID(int=2),
            p=Point(3, 4),
            m=Markup("<b>"),
        )
    assert rv.get_json() == {
        "d": "Wed, 01 Jan 2020 00:00:00 GMT",
        "dec": "0.1",
        "m": "<b>",
        "p": {"x": 3, "y": 4},
        "u": "00000000-0000-0000-0000-000000000002",
    }


def test_jsonify_unserializable(app: flask.Flask) -> None:
    with app.app_context():
        with pytest.raises(TypeError, match="Object of type set is not JSON"):
            flask.jsonify({1, 2})


def test_jsonify_debug_pretty(app: flask.Flask) -> None:
    app.debug = True
    with app.app_context():
        rv = flask.jsonify(a=1, b=[1, 2])
    assert rv.data == b'{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}\n'


@pytest.mark.parametrize(
    ("compact", "debug", "pretty"),
    [
        (None, False, False),
        (None, True, True),
        (True, True, False),
        (True, False, False),
        (False, False, True),
        (False, True, True),
    ],
)
def test_response_compact_setting(
    app: flask.Flask, compact: bool | None, debug: bool, pretty: bool
) -> None:
    app.debug = debug
    app.json.compact = compact  # type: ignore[attr-defined]
    with app.app_context():
        data = flask.jsonify(a=1).data
    assert data == (b'{\n  "a": 1\n}\n' if pretty else b'{"a":1}\n')


def test_response_mimetype(app: flask.Flask) -> None:
    app.json.mimetype = "application/vnd.api+json"  # type: ignore[attr-defined]
    with app.app_context():
        rv = flask.jsonify(1)
    assert rv.headers["Content-Type"] == "application/vnd.api+json"


def test_jsonify_in_view(app: flask.Flask, client: flask.testing.FlaskClient) -> None:
    @app.route("/")
    def index() -> t.Any:
        return flask.jsonify(x=[1, "a"])

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.json == {"x": [1, "a"]}
    assert rv.headers["Content-Type"] == "application/json"


def test_request_json_uses_provider(
    app: flask.Flask, client: flask.testing.FlaskClient
) -> None:
    class Tagged(DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            return {"parsed": super().loads(s, **kwargs)}

    app.json = Tagged(app)

    @app.post("/")
    def index() -> t.Any:
        return flask.jsonify(flask.request.get_json())

    rv = client.post("/", json=[1])
    assert rv.data == b'{"parsed":[1]}\n'


# --- base JSONProvider -----------------------------------------------------


def test_base_provider(app: flask.Flask) -> None:
    p = JSONProvider(app)
    with pytest.raises(NotImplementedError):
        p.dumps(1)
    with pytest.raises(NotImplementedError):
        p.loads("1")
    assert p._prepare_response_obj((), {}) is None
    assert p._prepare_response_obj((1,), {}) == 1
    assert p._prepare_response_obj((1, 2), {}) == (1, 2)
    assert p._prepare_response_obj((), {"a": 1}) == {"a": 1}
    with pytest.raises(TypeError, match="not both"):
        p._prepare_response_obj((1,), {"a": 1})


def test_minimal_provider(app: flask.Flask) -> None:
    class Repr(JSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return f"<{obj!r}>"

        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            return s

    p = Repr(app)
    f = io.StringIO()
    p.dump([1], f)
    assert f.getvalue() == "<[1]>"
    assert p.load(io.StringIO("raw")) == "raw"
    rv = p.response(1, 2)
    assert rv.data == b"<(1, 2)>"
    assert rv.mimetype == "application/json"


# --- template filter and html safety ---------------------------------------


def test_tojson_filter_uses_provider(app: flask.Flask) -> None:
    with app.app_context():
        out = flask.render_template_string("{{ x|tojson }}", x={"b": "</script>"})
    assert out == '{"b": "\\u003c/script\\u003e"}'
