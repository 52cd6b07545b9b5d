"""The app is in an attribute named ``application``."""

from flask import Flask

application = Flask("application_attr")
