"""Importing this module fails inside its own code."""

from flask import Flask

import a_module_that_does_not_exist_xyz  # noqa: F401

app = Flask(__name__)
