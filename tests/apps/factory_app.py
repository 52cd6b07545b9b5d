"""App factories with and without arguments."""

from flask import Flask


def create_app():
    return Flask("factory_default")


def create_named(name, *, suffix=""):
    return Flask(name + suffix)


def needs_two(a, b):
    return Flask(f"{a}-{b}")


def returns_none():
    return None


def raises_type_error():
    raise TypeError("bad thing inside the factory")


not_an_app = "just a string"
