"""A module with no app and no factory."""

value = 1
