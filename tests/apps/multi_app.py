"""Two apps and neither named ``app``: ambiguous without ``:name``."""

from flask import Flask

first = Flask("multi_first")
second = Flask("multi_second")
