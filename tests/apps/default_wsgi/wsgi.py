"""Found by default because it is ``wsgi.py`` in the working directory."""

from flask import Flask

app = Flask("default_wsgi_app")
