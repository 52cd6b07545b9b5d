"""The test runner for an app's CLI commands (kept apart: it needs click)."""

from __future__ import annotations

import typing as t

from click.testing import CliRunner
from click.testing import Result

from .cli import ScriptInfo

if t.TYPE_CHECKING:
    from .app import Flask


class FlaskCliRunner(CliRunner):
    """A click test runner for the app's commands, returned by
    :meth:`flask.Flask.test_cli_runner`."""

    def __init__(self, app: Flask, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Invoke ``cli`` (default: ``app.cli``) with ``args``, with a
        :class:`~flask.cli.ScriptInfo` that returns this app."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)
