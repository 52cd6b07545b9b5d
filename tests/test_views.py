"""Class-based views: flask.views.View and MethodView."""

from __future__ import annotations

import functools
import typing as t

import pytest
from werkzeug.http import parse_set_header

import flask
from flask.views import http_method_funcs
from flask.views import MethodView
from flask.views import View


def allow(response: t.Any) -> list[str]:
    return sorted(parse_set_header(response.headers["Allow"]))


def test_http_method_funcs() -> None:
    assert http_method_funcs == frozenset(
        {"get", "post", "head", "options", "delete", "put", "trace", "patch"}
    )


def test_view_defaults() -> None:
    assert View.methods is None
    assert View.provide_automatic_options is None
    assert View.decorators == []
    assert View.init_every_request is True
    with pytest.raises(NotImplementedError):
        View().dispatch_request()


def test_as_view_attributes() -> None:
    class Index(View):
        """Index view."""

        methods = ["GET", "POST"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return ""

    view = Index.as_view("index")
    assert view.__name__ == "index"
    assert view.__doc__ == "Index view."
    assert view.__module__ == __name__
    assert view.view_class is Index  # type: ignore[attr-defined]
    assert view.methods == ["GET", "POST"]  # type: ignore[attr-defined]
    assert view.provide_automatic_options is False  # type: ignore[attr-defined]


def test_basic_view(app: flask.Flask) -> None:
    class Index(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return flask.request.method

    app.add_url_rule("/", view_func=Index.as_view("index"))
    client = app.test_client()
    assert client.get("/").data == b"GET"
    assert client.post("/").data == b"POST"
    assert client.put("/").status_code == 405
    assert allow(client.open("/", method="OPTIONS")) == [
        "GET",
        "HEAD",
        "OPTIONS",
        "POST",
    ]


def test_view_without_methods_defaults_to_get(app: flask.Flask) -> None:
    class Index(View):
        def dispatch_request(self) -> str:
            return "index"

    app.add_url_rule("/", view_func=Index.as_view("index"))
    client = app.test_client()
    assert client.get("/").data == b"index"
    assert client.post("/").status_code == 405


def test_rule_methods_override_view_methods(app: flask.Flask) -> None:
    class Post(View):
        methods = ["POST"]

        def dispatch_request(self) -> str:
            return "p"

    app.add_url_rule("/", view_func=Post.as_view("p"), methods=["GET"])
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.post("/").status_code == 405


def test_constructor_arguments_and_url_values(app: flask.Flask) -> None:
    class Greet(View):
        def __init__(self, greeting: str, *, punct: str) -> None:
            self.greeting = greeting
            self.punct = punct

        def dispatch_request(self, name: str) -> str:  # type: ignore[override]
            return f"{self.greeting} {name}{self.punct}"

    app.add_url_rule("/<name>", view_func=Greet.as_view("greet", "Hi", punct="!"))
    assert app.test_client().get("/ann").data == b"Hi ann!"


def test_instance_per_request(app: flask.Flask) -> None:
    created: list[object] = []

    class Count(View):
        def __init__(self) -> None:
            created.append(self)

        def dispatch_request(self) -> str:
            return str(id(self))

    view = Count.as_view("count")
    assert created == []
    app.add_url_rule("/", view_func=view)
    client = app.test_client()
    client.get("/")
    client.get("/")
    assert len(created) == 2 and created[0] is not created[1]


def test_init_once(app: flask.Flask) -> None:
    created: list[object] = []

    class Once(View):
        init_every_request = False

        def __init__(self, value: int) -> None:
            created.append(self)
            self.value = value

        def dispatch_request(self) -> str:
            return f"{self.value}:{id(self)}"

    view = Once.as_view("once", 7)
    assert len(created) == 1
    # The class, not the instance, is exposed as view_class.
    assert view.view_class is Once  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    client = app.test_client()
    first = client.get("/").data
    assert first.startswith(b"7:")
    assert client.get("/").data == first
    assert len(created) == 1


def test_view_class_attribute_is_read_per_request(app: flask.Flask) -> None:
    class Original(View):
        def dispatch_request(self) -> str:
            return "original"

    class Replacement(View):
        def dispatch_request(self) -> str:
            return "replacement"

    view = Original.as_view("view")
    view.view_class = Replacement  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    assert app.test_client().get("/").data == b"replacement"


def test_decorators(app: flask.Flask) -> None:
    seen: list[tuple[str, str]] = []

    def add_bang(f: t.Callable[..., str]) -> t.Callable[..., str]:
        seen.append((f.__name__, f.__module__))

        @functools.wraps(f)
        def wrapper(**kwargs: t.Any) -> str:
            return f(**kwargs) + "!"

        return wrapper

    def add_header(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        seen.append(("outer", f.__name__))

        def wrapper(**kwargs: t.Any) -> flask.Response:
            response = flask.make_response(f(**kwargs))
            response.headers["X-Decorated"] = "yes"
            return response

        return wrapper

    class Index(View):
        decorators = [add_bang, add_header]

        def dispatch_request(self) -> str:
            return "index"

    view = Index.as_view("index")
    # Decorators see the final name, so functools.wraps keeps it.
    assert seen == [("index", __name__), ("outer", "index")]
    assert view.__name__ == "index"
    assert view.view_class is Index  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    assert list(app.view_functions) == ["static", "index"]
    response = app.test_client().get("/")
    assert response.data == b"index!"
    assert response.headers["X-Decorated"] == "yes"


def test_provide_automatic_options_false(app: flask.Flask) -> None:
    class Index(View):
        provide_automatic_options = False
        methods = ["GET"]

        def dispatch_request(self) -> str:
            return "index"

    app.add_url_rule("/", view_func=Index.as_view("index"))
    response = app.test_client().open("/", method="OPTIONS")
    assert response.status_code == 405
    assert allow(response) == ["GET", "HEAD"]


def test_endpoint_override(app: flask.Flask) -> None:
    class Index(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return flask.request.endpoint or ""

    app.add_url_rule("/", view_func=Index.as_view("index"))
    with pytest.raises(AssertionError):
        app.add_url_rule("/", view_func=Index.as_view("index"))
    app.add_url_rule("/other", endpoint="other", view_func=Index.as_view("index"))
    assert app.test_client().get("/other").data == b"other"


# -- MethodView ----------------------------------------------------------------


def test_method_view_methods_from_handlers() -> None:
    class Api(MethodView):
        def get(self) -> str:
            return ""

        def post(self) -> str:
            return ""

        async def delete(self) -> str:
            return ""

    assert Api.methods == {"GET", "POST", "DELETE"}
    assert MethodView.methods is None


def test_method_view_every_handler_name() -> None:
    class All(MethodView):
        def options(self) -> None: ...
        def trace(self) -> None: ...
        def patch(self) -> None: ...
        def head(self) -> None: ...
        def connect(self) -> None: ...  # not an HTTP method handler name

    assert All.methods == {"OPTIONS", "TRACE", "PATCH", "HEAD"}


def test_method_view_inherits_methods() -> None:
    class Base(MethodView):
        def get(self) -> str:
            return ""

    class Explicit(Base):
        methods = ["POST"]

    class Child(Explicit):
        def put(self) -> str:
            return ""

    assert Explicit.methods == ["POST"]
    assert Child.methods == {"GET", "POST", "PUT"}


def test_method_view_from_mixin() -> None:
    class PatchMixin:
        def patch(self) -> str:
            return "patch"

    class Api(PatchMixin, MethodView):
        pass

    assert Api.methods == {"PATCH"}


def test_method_view_without_handlers_keeps_none() -> None:
    class Empty(MethodView):
        pass

    class Explicit(MethodView):
        methods = None

        def get(self) -> str:
            return ""

    assert Empty.methods is None
    assert "methods" not in Empty.__dict__
    assert Explicit.methods is None


def test_method_view_dispatch(app: flask.Flask) -> None:
    class Api(MethodView):
        def get(self) -> str:
            return "GET"

        def post(self) -> str:
            return "POST"

    app.add_url_rule("/", view_func=Api.as_view("api"))
    client = app.test_client()
    assert client.get("/").data == b"GET"
    assert client.post("/").data == b"POST"
    assert client.put("/").status_code == 405
    assert allow(client.put("/")) == ["GET", "HEAD", "OPTIONS", "POST"]
    response = client.open("/", method="OPTIONS")
    assert response.status_code == 200
    assert allow(response) == ["GET", "HEAD", "OPTIONS", "POST"]


def test_method_view_head_falls_back_to_get(app: flask.Flask) -> None:
    class Api(MethodView):
        def get(self) -> flask.Response:
            response = flask.make_response("body")
            response.headers["X-Method"] = flask.request.method
            return response

    app.add_url_rule("/", view_func=Api.as_view("api"))
    response = app.test_client().head("/")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["X-Method"] == "HEAD"


def test_method_view_explicit_head(app: flask.Flask) -> None:
    class Api(MethodView):
        def get(self) -> str:
            return "GET"

        def head(self) -> flask.Response:
            response = flask.make_response("")
            response.headers["X-Head"] = "1"
            return response

    app.add_url_rule("/", view_func=Api.as_view("api"))
    assert app.test_client().head("/").headers["X-Head"] == "1"


def test_method_view_custom_options(app: flask.Flask) -> None:
    class Api(MethodView):
        def get(self) -> str:
            return "GET"

        def options(self) -> str:
            return "custom"

    app.add_url_rule("/", view_func=Api.as_view("api"))
    response = app.test_client().open("/", method="OPTIONS")
    assert response.data == b"custom"
    assert "Allow" not in response.headers


def test_method_view_unimplemented_method(app: flask.Flask) -> None:
    class Api(MethodView):
        def get(self) -> str:
            return "GET"

    with app.test_request_context("/", method="POST"):
        with pytest.raises(AssertionError) as info:
            Api().dispatch_request()
    assert str(info.value) == "Unimplemented method 'POST'"

    class Listed(MethodView):
        methods = ["GET", "DELETE"]

        def get(self) -> str:
            return "GET"

    app.add_url_rule("/", view_func=Listed.as_view("listed"))
    with pytest.raises(AssertionError, match="Unimplemented method 'DELETE'"):
        app.test_client().delete("/")


def test_method_view_handler_set_to_none(app: flask.Flask) -> None:
    class Api(MethodView):
        get = None

    assert Api.methods == {"GET"}
    with app.test_request_context("/"):
        with pytest.raises(AssertionError, match="Unimplemented method 'GET'"):
            Api().dispatch_request()


def test_method_view_url_values(app: flask.Flask) -> None:
    class Item(MethodView):
        def get(self, item_id: int) -> str:
            return f"get {item_id}"

        def delete(self, item_id: int) -> tuple[str, int]:
            return f"deleted {item_id}", 202

    app.add_url_rule("/items/<int:item_id>", view_func=Item.as_view("item"))
    client = app.test_client()
    assert client.get("/items/3").data == b"get 3"
    response = client.delete("/items/4")
    assert response.status_code == 202
    assert response.data == b"deleted 4"


def test_method_view_subclass_overrides(app: flask.Flask) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "base"

    class Child(Base):
        def get(self) -> str:
            return "child " + super().get()

    app.add_url_rule("/", view_func=Child.as_view("child"))
    assert app.test_client().get("/").data == b"child base"


def test_method_view_in_blueprint_with_url_for(app: flask.Flask) -> None:
    bp = flask.Blueprint("api", __name__, url_prefix="/api")

    class Users(MethodView):
        def get(self) -> str:
            return flask.url_for(".users", page=2)

    bp.add_url_rule("/users", view_func=Users.as_view("users"))
    app.register_blueprint(bp)
    assert app.test_client().get("/api/users").data == b"/api/users?page=2"


def test_method_view_init_once(app: flask.Flask) -> None:
    created: list[object] = []

    class Api(MethodView):
        init_every_request = False

        def __init__(self) -> None:
            created.append(self)

        def get(self) -> str:
            return str(id(self))

    app.add_url_rule("/", view_func=Api.as_view("api"))
    client = app.test_client()
    assert client.get("/").data == client.get("/").data
    assert len(created) == 1


def test_view_uses_app_ensure_sync(app: flask.Flask) -> None:
    calls: list[str] = []
    original = app.ensure_sync

    def spy(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        calls.append(getattr(func, "__name__", "?"))
        return original(func)

    app.ensure_sync = spy  # type: ignore[method-assign]

    class Api(MethodView):
        def get(self) -> str:
            return "GET"

    app.add_url_rule("/", view_func=Api.as_view("api"))
    assert app.test_client().get("/").data == b"GET"
    assert "dispatch_request" in calls
    assert "get" in calls


def test_view_outside_context_errors() -> None:
    class Api(MethodView):
        def get(self) -> str:
            return "GET"

    with pytest.raises(RuntimeError, match="outside of request context"):
        Api().dispatch_request()
    with pytest.raises(RuntimeError, match="outside of application context"):
        Api.as_view("api")()
