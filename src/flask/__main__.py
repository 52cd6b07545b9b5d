"""``python -m flask``: the same as the ``flask`` command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
