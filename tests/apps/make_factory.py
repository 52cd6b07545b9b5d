"""Only a ``make_app`` factory."""

from flask import Flask


def make_app():
    return Flask("made_by_make_app")
