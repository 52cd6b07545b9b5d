"""Blueprints with file access (static files, resources) and a CLI group."""

from __future__ import annotations

import os
import typing as t

from werkzeug.utils import cached_property

from ._lazy import lazy_names as _lazy_names
from ._resources import FileAccessMixin
from .sansio.blueprints import Blueprint as SansioBlueprint
from .sansio.blueprints import BlueprintSetupState as BlueprintSetupState
from .sansio.scaffold import _sentinel

if t.TYPE_CHECKING:
    from .cli import AppGroup

__all__ = ["Blueprint", "BlueprintSetupState"]


class Blueprint(FileAccessMixin, SansioBlueprint):  # pyright: ignore[reportIncompatibleVariableOverride]
    """A group of routes, hooks, templates and static files registered on an
    app with :meth:`flask.Flask.register_blueprint`."""

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,  # type: ignore[assignment]
    ) -> None:
        super().__init__(
            name,
            import_name,
            static_folder,
            static_url_path,
            template_folder,
            url_prefix,
            subdomain,
            url_defaults,
            root_path,
            cli_group,
        )

    @cached_property
    def cli(self) -> AppGroup:  # type: ignore[override]
        """Click group for this blueprint's commands (``flask <name> <cmd>``);
        created (and click imported) on first use."""
        from .cli import AppGroup

        group = AppGroup()
        group.name = self.name
        return group


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "AppGroup": ".cli:AppGroup",
        "current_app": ".globals:current_app",
        "send_from_directory": ".helpers:send_from_directory",
        "timedelta": "datetime:timedelta",
    },
)
