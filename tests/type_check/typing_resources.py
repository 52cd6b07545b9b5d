"""Resources opened as apps open them: the mode decides whether reading
gives ``bytes`` or ``str``, so ``return fh.read()`` type-checks without a
cast. Checked by mypy and pyright; ``run_checks`` runs it."""

from __future__ import annotations

import sys
import tempfile
import typing as t
from pathlib import Path

from flask import Blueprint
from flask import Flask

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type


def read_schema(app: Flask) -> str:
    with app.open_resource("schema.sql", "r") as fh:
        assert_type(fh, t.IO[str])
        return fh.read()


def read_logo(bp: Blueprint) -> bytes:
    with bp.open_resource("logo.bin") as fh:
        assert_type(fh, t.IO[bytes])
        return fh.read()


def read_text_blueprint(bp: Blueprint) -> str:
    with bp.open_resource("schema.sql", mode="rt", encoding="utf-8") as fh:
        return fh.read()


def read_binary_app(app: Flask) -> bytes:
    with app.open_resource("logo.bin", "rb") as fh:
        return fh.read()


def write_instance(app: Flask, text: str) -> int:
    with app.open_instance_resource("notes.txt", "w") as fh:
        assert_type(fh, t.IO[str])
        return fh.write(text)


def read_instance(app: Flask) -> tuple[str, bytes]:
    with app.open_instance_resource("notes.txt", "r") as fh:
        text = fh.read()
    with app.open_instance_resource("notes.txt") as fh:
        data = fh.read()
    return text, data


def mode_from_elsewhere(app: Flask, mode: str) -> t.IO[t.Any]:
    return app.open_resource("schema.sql", mode)


def run_checks() -> None:
    """Read and write through each helper above."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "schema.sql").write_bytes("CREATE TABLE caf\u00e9;\n".encode())
        (root / "logo.bin").write_bytes(b"\x89PNG")
        app = Flask(__name__, root_path=tmp, instance_path=str(root / "instance"))
        (root / "instance").mkdir()
        bp = Blueprint("files", __name__, root_path=tmp)
        assert read_schema(app) == "CREATE TABLE caf\u00e9;\n"
        assert read_text_blueprint(bp) == read_schema(app)
        assert read_logo(bp) == read_binary_app(app) == b"\x89PNG"
        assert write_instance(app, "\u00e9") == 1
        assert read_instance(app) == ("\u00e9", "\u00e9".encode())
        with mode_from_elsewhere(app, "rb") as fh:
            assert fh.read() == (root / "schema.sql").read_bytes()


if __name__ == "__main__":
    run_checks()
