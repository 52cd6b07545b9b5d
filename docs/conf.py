"""Sphinx configuration for the documentation in this folder."""

from __future__ import annotations

import os
import sys

# Document the package in this repository, never another installed "flask".
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

project = "Flask (independent reimplementation)"
copyright = "the project's contributors"
author = "the project's contributors"
release = "3.2.0.dev0"
version = "3.2"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build"]
default_role = "code"
pygments_style = "sphinx"

# API reference: members in the order the source defines them, type hints in
# the signatures, shortened to the class names.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autoclass_content = "both"

html_theme = "alabaster"
html_theme_options = {
    "description": "The Python web microframework, reimplemented.",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {
    "**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]
}
html_static_path: list[str] = []
html_title = "Flask documentation"
