"""Jinja integration: the app's environment and loader, and the render helpers.

Templates are looked up in the app's ``templates`` folder first, then in each
blueprint's template folder in registration order. Rendering fills the context
with the app's context processors and sends the template signals only when
something listens.
"""

from __future__ import annotations

import typing as t
import weakref

from jinja2 import BaseLoader
from jinja2 import Environment as BaseEnvironment
from jinja2 import pass_environment
from jinja2 import Template
from jinja2 import TemplateNotFound
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ._lazy import lazy_names as _lazy_names
from ._template_context import default_template_ctx_processor
from .globals import _cv_app as _cv_app
from .globals import _cv_app_get
from .globals import _no_app_msg
from .helpers import stream_with_context
from .signals import before_render_template
from .signals import template_rendered

if t.TYPE_CHECKING:
    from .app import Flask
    from .sansio.app import App
    from .sansio.scaffold import Scaffold

_Source = tuple[str, str | None, t.Callable[[], bool] | None]


# The name this function had here before it moved out of this module.
_default_template_ctx_processor = default_template_ctx_processor


class _AppRef:
    """Holds the app weakly so that ``app -> jinja_env -> app`` is no cycle.

    An app nothing refers to is freed at once; an environment or loader that
    outlives its app says so instead of working on a dead object.
    """

    _app_ref: t.Callable[[], Flask | None]

    @property
    def app(self) -> Flask:
        app = self._app_ref()
        if app is None:
            raise RuntimeError(
                f"The application of this {type(self).__name__} was garbage"
                " collected; keep a reference to the app while using it."
            )
        return app

    @app.setter
    def app(self, value: Flask) -> None:
        try:
            self._app_ref = weakref.ref(value)
        except TypeError:  # an object that refuses weak references
            self._app_ref = lambda: value


def _weak_method(method: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """A function calling ``method`` without keeping its object alive."""
    ref = weakref.WeakMethod(method)

    def call(*args: t.Any, **kwargs: t.Any) -> t.Any:
        bound = ref()
        if bound is None:
            raise RuntimeError("The application of this environment was freed.")
        return bound(*args, **kwargs)

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class Environment(_AppRef, BaseEnvironment):
    """The Jinja environment of one app, loading templates through the app's
    global loader unless a ``loader`` option is given.

    An ``autoescape`` option that is a method of the app (the default,
    ``app.select_jinja_autoescape``) is held weakly, like the app itself.
    """

    globals: dict[str, t.Any]
    filters: dict[str, t.Callable[..., t.Any]]

    def __init__(self, app: Flask, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        autoescape = options.get("autoescape")
        if getattr(autoescape, "__self__", None) is app:
            options["autoescape"] = _weak_method(autoescape)  # type: ignore[arg-type]
        BaseEnvironment.__init__(self, **options)
        self.app = app
        self._dict_items_fast = _inherits_plain_getattr(type(self))

    def getattr(self, obj: t.Any, attribute: str) -> t.Any:
        """``obj.attribute`` in a template, as Jinja does it; for a plain
        ``dict`` and a name that is not a dict attribute (``item.id``), the
        item is looked up directly instead of after a failed ``getattr``."""
        if (
            type(obj) is dict
            and self._dict_items_fast
            and attribute not in _DICT_ATTRIBUTES
        ):
            try:
                # (obj's type is only known to be dict here.)
                return obj[attribute]  # pyright: ignore[reportUnknownVariableType]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


#: What ``getattr`` finds on a plain ``dict``; any other name raises
#: ``AttributeError`` there, so Jinja goes on to the item.
_DICT_ATTRIBUTES = frozenset(dir(dict))


def _inherits_plain_getattr(cls: type) -> bool:
    """Whether the classes between :class:`Environment` and Jinja's (in
    ``cls``'s MRO) leave ``getattr`` alone, such as a sandbox mixed in after
    this class: only then is the direct dict lookup the same as theirs."""
    mro = cls.__mro__
    for klass in mro[mro.index(Environment) + 1 :]:
        if klass is BaseEnvironment:
            return True
        if "getattr" in vars(klass):
            return False
    return True


class DispatchingJinjaLoader(_AppRef, BaseLoader):
    """Looks a template up in the app's folder, then in each blueprint's.

    The first loader that knows the name wins, so an app template overrides a
    blueprint one of the same name. With ``EXPLAIN_TEMPLATE_LOADING`` every
    loader is tried and the attempts are logged.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def get_source(self, environment: BaseEnvironment, template: str) -> _Source:
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        return self._get_source_fast(environment, template)

    def _get_source_fast(self, environment: BaseEnvironment, template: str) -> _Source:
        for _owner, loader in self._iter_loaders(template):
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> _Source:
        attempts: list[tuple[BaseLoader, Scaffold, _Source | None]] = []
        found: _Source | None = None
        for owner, loader in self._iter_loaders(template):
            try:
                rv: _Source | None = loader.get_source(environment, template)
            except TemplateNotFound:
                rv = None
            if found is None:
                found = rv
            attempts.append((loader, owner, rv))
        _explain_attempts(self.app, template, attempts)
        if found is None:
            raise TemplateNotFound(template)
        return found

    def _iter_loaders(
        self, template: str | None = None
    ) -> t.Iterator[tuple[Scaffold, BaseLoader]]:
        """The (app or blueprint, loader) pairs to ask, in order; ``template``
        is unused here but lets subclasses route by name."""
        app = self.app
        loader = app.jinja_loader
        if loader is not None:
            yield app, loader
        for blueprint in app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for _owner, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return list(names)


def _loader_details(loader: BaseLoader) -> t.Iterator[str]:
    """Lines describing a loader's public settings (strings, numbers and lists
    of strings), such as a file system loader's search path."""
    cls = type(loader)
    yield f"class: {cls.__module__}.{cls.__name__}"
    for key, value in sorted(vars(loader).items()):
        if key.startswith("_"):
            continue
        if isinstance(value, (tuple, list)):
            if not all(isinstance(item, str) for item in value):  # pyright: ignore[reportUnknownVariableType]
                continue
            yield f"{key}:"
            for item in value:  # pyright: ignore[reportUnknownVariableType]
                yield f"  - {item}"
        elif isinstance(value, (str, int, float, bool)):
            yield f"{key}: {value!r}"


def _explain_attempts(
    app: App,
    template: str,
    attempts: list[tuple[BaseLoader, Scaffold, _Source | None]],
) -> None:
    """Log, at info level, which loaders were asked for ``template`` and what
    each answered, with a hint when the lookup came from a blueprint."""
    lines = [f"Locating template {template!r}:"]
    matches = 0
    for index, (loader, owner, rv) in enumerate(attempts, 1):
        if owner is app:
            what = f"application {owner.import_name!r}"
        else:
            what = f"blueprint {owner.name!r} ({owner.import_name})"
        lines.append(f"{index:5}: trying loader of {what}")
        lines.extend(f"       {line}" for line in _loader_details(loader))
        if rv is None:
            lines.append("       -> no match")
        else:
            matches += 1
            lines.append(f"       -> found ({rv[1] or '<string>'!r})")

    blueprint = None
    ctx = _cv_app_get(None)
    if ctx is not None and ctx._request is not None:
        blueprint = ctx._request.blueprint
    if matches == 0:
        lines.append("Error: the template could not be found.")
    elif matches > 1:
        lines.append("Warning: multiple loaders returned a match for the template.")
    if blueprint is not None and matches != 1:
        lines.append(
            "  The template was looked up from an endpoint that belongs to"
            f" the blueprint {blueprint!r}."
        )
        lines.append("  Maybe you did not place a template in the right folder?")
        lines.append("  See https://flask.palletsprojects.com/blueprints/#templates")
    app.logger.info("\n".join(lines))


@pass_environment
def _tojson_filter(
    environment: BaseEnvironment,
    obj: t.Any,
    indent: int | None = None,
    **kwargs: t.Any,
) -> Markup:
    """The ``tojson`` filter: JSON from the app's provider, safe to put in a
    ``<script>`` tag or an HTML attribute.

    ``<``, ``>``, ``&`` and ``'`` are written as ``\\u003c`` style escapes, so
    the output can never close the tag or a single-quoted attribute. Keys are
    sorted (the environment's ``json.dumps_kwargs`` policy) so output is
    stable.
    """
    dumps = environment.policies.get("json.dumps_function")
    if dumps is None:
        ctx = _cv_app_get(None)
        if ctx is not None:
            dumps = ctx.app.json.dumps
    options = dict(environment.policies.get("json.dumps_kwargs") or {})
    if indent is not None:
        options["indent"] = indent
    options.update(kwargs)
    return htmlsafe_json_dumps(obj, dumps=dumps, **options)


def _current_app() -> Flask:
    ctx = _cv_app_get(None)
    if ctx is None:
        raise RuntimeError(_no_app_msg)
    return ctx.app


def _render(app: Flask, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if template_rendered.receivers:
        template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def render_template(
    template_name_or_list: str | Template | list[str | Template],
    **context: t.Any,
) -> str:
    """Render a template from the app's template folders with ``context``.

    Given a list, the first template that exists is used. Needs an app
    context; inside a request the template also sees ``request``.
    """
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as a string. Autoescaping is on, as for an
    ``.html`` file."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def _stream(
    app: Flask, template: Template, context: dict[str, t.Any]
) -> t.Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    rv = generate()
    ctx = _cv_app_get(None)
    if ctx is not None and ctx._request is not None:
        # The response body is iterated after the view returns; keep the
        # request's context active while the template runs.
        rv = stream_with_context(rv)
    return rv


def stream_template(
    template_name_or_list: str | Template | list[str | Template],
    **context: t.Any,
) -> t.Iterator[str]:
    """Render a template piece by piece, as an iterator of strings to return
    as a streamed response body. ``request`` stays usable while streaming."""
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Like :func:`stream_template`, from a template given as a string."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "current_app": ".globals:current_app",
        "request": ".globals:request",
    },
)
