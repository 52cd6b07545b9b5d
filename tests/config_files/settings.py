# Used by tests/test_config.py.
import os

TEST_KEY = "foo"
SECRET_KEY = "config"
lowercase_ignored = True
JOINED = os.path.join("a", "b")
