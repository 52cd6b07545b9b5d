"""Which calling form each overridable dispatch method accepts.

Flask 3.2 passes the :class:`~flask.ctx.AppContext` as the first argument of
the dispatch methods. Code written for 3.1 overrides them without it, either
in a subclass or by assigning a callable on the app instance (Flask-RESTful
and Flask-RESTX install ``functools.partial(router, original)`` this way).
The form is decided once per class (at class creation) and once per instance
assignment, never per request: the pipeline only checks a frozenset.
"""

from __future__ import annotations

import inspect
import typing as t
import warnings
import weakref

from .ctx import AppContext

#: The dispatch methods that take the context first since Flask 3.2.
CTX_HOOKS: frozenset[str] = frozenset(
    {
        "handle_http_exception",
        "handle_user_exception",
        "handle_exception",
        "log_exception",
        "dispatch_request",
        "full_dispatch_request",
        "finalize_request",
        "make_default_options_response",
        "preprocess_request",
        "process_response",
        "do_teardown_request",
        "do_teardown_appcontext",
    }
)

_POSITIONAL = (
    inspect.Parameter.POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
)

#: function or callable -> whether it takes the context first, one table for
#: functions found on a class (``self`` skipped) and one for other callables.
#: Weak, so a callable that goes away (an app's partial) is dropped.
_caches: tuple[weakref.WeakKeyDictionary[t.Any, bool], ...] = (
    weakref.WeakKeyDictionary(),
    weakref.WeakKeyDictionary(),
)


def _is_ctx_param(param: inspect.Parameter) -> bool:
    """A parameter is the context if named ``ctx`` without annotation, or
    annotated ``AppContext`` (the class, a subclass, or a string ending so)."""
    ann = param.annotation
    if ann is inspect.Parameter.empty:
        return param.name == "ctx"
    return _is_ctx_annotation(ann)


def _is_ctx_annotation(ann: t.Any) -> bool:
    """``AppContext`` (or a subclass), also optional: ``AppContext | None``."""
    if isinstance(ann, str):
        # Quotes stay in the string when a quoted annotation is postponed
        # (``from __future__ import annotations``).
        for old in ("Optional[", "]", "'", '"'):
            ann = ann.replace(old, "")
        return any(p.strip().endswith("AppContext") for p in ann.split("|"))
    if isinstance(ann, type):
        return issubclass(ann, AppContext)
    return any(_is_ctx_annotation(a) for a in t.get_args(ann))


def _inspect(func: t.Any, skip_self: bool) -> bool:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return True  # cannot tell (a builtin): assume the current form
    if skip_self and params and params[0].kind in _POSITIONAL:
        params = params[1:]
    if not params:
        return False
    first = params[0]
    if first.kind is inspect.Parameter.VAR_POSITIONAL:
        # ``*args`` forwards whatever it gets, and our methods take both forms.
        return True
    return first.kind in _POSITIONAL and _is_ctx_param(first)


#: Flask's own dispatch methods (see :func:`own_methods`): they take the
#: context first, which need not be found out by reading their signatures.
_own: set[t.Any] = set()


def own_methods(cls: type) -> None:
    """Record the dispatch methods ``cls`` defines as taking the context
    first (called for Flask itself, whose methods accept both forms)."""
    _own.update(cls.__dict__[name] for name in CTX_HOOKS if name in cls.__dict__)


def takes_ctx(func: t.Any, *, unbound: bool = False) -> bool:
    """Whether ``func`` expects the context as its first argument.

    ``unbound`` marks a function looked up on a class (its ``self`` is
    skipped). Bound methods are resolved to their function, so every
    instance shares one cache entry.
    """
    skip_self = unbound
    if inspect.ismethod(func):
        func, skip_self = func.__func__, True
    if skip_self and func in _own:
        return True
    cache = _caches[skip_self]
    try:
        return cache[func]
    except (KeyError, TypeError):
        pass
    rv = _inspect(func, skip_self)
    try:
        cache[func] = rv
    except TypeError:
        pass  # not weakly referenceable: decided again on the next assignment
    return rv


def legacy_hooks_of_class(cls: type) -> frozenset[str]:
    """The dispatch methods ``cls`` overrides with the 3.1 signature; warn
    once, at class creation, for those it defines itself."""
    legacy: set[str] = set()
    for name in CTX_HOOKS:
        func = getattr(cls, name, None)
        if func is None or takes_ctx(func, unbound=True):
            continue
        legacy.add(name)
        if name in cls.__dict__:
            warnings.warn(
                f"'{cls.__qualname__}.{name}' does not take the app context as"
                " its first argument. Since Flask 3.2 it is called as"
                f" '{name}(ctx, ...)'; the old signature is deprecated and"
                " will stop working in a future version.",
                DeprecationWarning,
                stacklevel=3,
            )
    return frozenset(legacy)


def legacy_hooks_of_instance(obj: object) -> frozenset[str]:
    """The hooks of ``obj`` with the 3.1 signature: those assigned on the
    instance, else its class's (looked up again, so a method patched on the
    class after it was created is seen too). Never warns."""
    legacy: set[str] = set()
    inst: dict[str, t.Any] = obj.__dict__
    cls = type(obj)
    for name in CTX_HOOKS:
        if name in inst:
            if not takes_ctx(inst[name]):
                legacy.add(name)
        else:
            func = getattr(cls, name, None)
            if func is not None and not takes_ctx(func, unbound=True):
                legacy.add(name)
    return frozenset(legacy)
