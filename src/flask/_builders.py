"""URL builders compiled when a rule is first built from, not when it is added.

werkzeug turns each rule into two small Python functions (building its URL
with and without unknown arguments appended as a query string), generated
through :mod:`ast` and :func:`compile` when the rule is bound to its map.
That is about 0.3 ms per rule: most of what adding a route costs, paid for
every route at start-up although a process builds URLs for few of them, and
for many none. Rules added through ``add_url_rule`` defer it to the first
``url_for`` (or redirect) that builds from them.

Deferring must not move an error: werkzeug's compile can fail (a default
its converter cannot write, a variable named ``None`` or ``__debug__``, a
rule that is not valid UTF-8) and then the rule is never added. So a rule
whose builders could fail is compiled at once, as werkzeug would; the check
is made when the rule is bound, on what the bind worked out.
"""

from __future__ import annotations

import typing as t
from types import MethodType

from werkzeug.routing import Rule

_Builder = t.Callable[..., tuple[str, str]]

#: werkzeug's compiler of a rule's builders (``None`` if a werkzeug version
#: has none: then nothing is deferred).
_WERKZEUG_COMPILER: t.Callable[[Rule, bool], _Builder] | None = getattr(
    Rule, "_compile_builder", None
)

#: Variable names the compiled builder cannot have as argument names: the
#: AST validator rejects the first three, the compiler the last.
_UNSAFE_NAMES = frozenset({"None", "True", "False", "__debug__"})


def defer_builders(rule: Rule) -> None:
    """Have ``rule`` (not yet bound) compile its builders on first use.

    Only for a rule class that compiles them as werkzeug does: a subclass
    with its own ``_compile_builder`` keeps it, called when bound.
    """
    compiler = _WERKZEUG_COMPILER
    if compiler is not None and type(rule)._compile_builder is compiler:
        # Read by werkzeug's Rule.compile as ``self._compile_builder(...)``;
        # what it returns is then bound with ``__get__(rule, None)``.
        rule._compile_builder = _deferred  # type: ignore[method-assign,assignment]


def _deferred(append_unknown: bool = True) -> _Later:
    return _LATER[append_unknown]


def _compilable(rule: Rule) -> bool:
    """Whether compiling ``rule``'s builders cannot fail (so may wait)."""
    if rule.defaults:
        return False  # converted to URL text when compiled
    if not _UNSAFE_NAMES.isdisjoint(rule._converters):
        return False
    static = "".join([data for dynamic, data in rule._trace if not dynamic])
    if not static.isascii():
        try:
            static.encode()  # quoted as UTF-8 when compiled
        except UnicodeEncodeError:
            return False
    return True


class _Later:
    """What the deferred ``_compile_builder`` gives werkzeug's compile: bound
    to the rule being compiled, a builder that compiles the real one on its
    first call, or the real one now if compiling it could fail."""

    __slots__ = ("append_unknown", "attribute")

    def __init__(self, append_unknown: bool) -> None:
        self.append_unknown = append_unknown
        self.attribute = "_build_unknown" if append_unknown else "_build"

    def __get__(self, rule: Rule, owner: type | None = None) -> _Builder:
        if not _compilable(rule):
            return compile_now(rule, self.append_unknown)
        return MethodType(self.build_first, rule)

    def build_first(self, rule: Rule, **values: t.Any) -> tuple[str, str]:
        builder = compile_now(rule, self.append_unknown)
        setattr(rule, self.attribute, builder)
        return builder(**values)


def compile_now(rule: Rule, append_unknown: bool) -> _Builder:
    """werkzeug's builder for ``rule``, bound to it, compiled now."""
    assert _WERKZEUG_COMPILER is not None
    function: t.Any = _WERKZEUG_COMPILER(rule, append_unknown)
    builder: _Builder = function.__get__(rule, None)
    return builder


_LATER = {False: _Later(False), True: _Later(True)}
