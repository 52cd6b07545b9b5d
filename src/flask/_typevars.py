"""The type variables of the registration decorators, made when first asked
for at run time (they are annotations only here: each takes a forward
reference, which costs a compile, so defining them at import would slow
``import flask`` for nothing). Flask's modules expose them, so ours serve
them through their module ``__getattr__``."""

from __future__ import annotations

import typing as t

T_after_request = t.TypeVar("T_after_request", bound="ft.AfterRequestCallable[t.Any]")
T_after_websocket = t.TypeVar(
    "T_after_websocket", bound="ft.AfterWebsocketCallable[t.Any]"
)
T_before_request = t.TypeVar("T_before_request", bound="ft.BeforeRequestCallable")
T_before_websocket = t.TypeVar("T_before_websocket", bound="ft.BeforeWebsocketCallable")
T_error_handler = t.TypeVar("T_error_handler", bound="ft.ErrorHandlerCallable")
T_route = t.TypeVar("T_route", bound="ft.RouteCallable")
T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound="ft.ShellContextProcessorCallable"
)
T_teardown = t.TypeVar("T_teardown", bound="ft.TeardownCallable")
T_template_context_processor = t.TypeVar(
    "T_template_context_processor", bound="ft.TemplateContextProcessorCallable"
)
T_template_filter = t.TypeVar("T_template_filter", bound="ft.TemplateFilterCallable")
T_template_global = t.TypeVar("T_template_global", bound="ft.TemplateGlobalCallable")
T_template_test = t.TypeVar("T_template_test", bound="ft.TemplateTestCallable")
T_url_defaults = t.TypeVar("T_url_defaults", bound="ft.URLDefaultCallable")
T_url_value_preprocessor = t.TypeVar(
    "T_url_value_preprocessor", bound="ft.URLValuePreprocessorCallable"
)
T_websocket = t.TypeVar("T_websocket", bound="ft.WebsocketCallable")

if t.TYPE_CHECKING:
    from . import typing as ft  # noqa: F401
