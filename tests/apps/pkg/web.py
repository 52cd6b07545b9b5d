"""A submodule of a package holding an ``app``."""

from flask import Flask

app = Flask("pkg.web")
