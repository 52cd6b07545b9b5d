"""Found by default because it is ``app.py`` in the working directory."""

from flask import Flask

app = Flask("default_app_app")
