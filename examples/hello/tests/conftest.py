from __future__ import annotations

import pytest
from hello import app

from flask.testing import FlaskClient


@pytest.fixture
def client() -> FlaskClient:
    app.config["TESTING"] = True
    return app.test_client()
