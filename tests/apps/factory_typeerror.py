"""A ``create_app`` factory whose body raises ``TypeError``."""


def create_app():
    return 1 + "one"
