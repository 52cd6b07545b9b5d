"""Importing this module fails inside its own code."""

import a_module_that_does_not_exist_xyz  # noqa: F401

from flask import Flask

app = Flask(__name__)
