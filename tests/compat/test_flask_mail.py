"""Flask-Mail: messages sent from views, captured with record_messages."""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

fmail = require("flask_mail")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def setup() -> t.Any:
    app = flask.Flask(__name__)
    app.config.update(
        TESTING=True,  # Flask-Mail suppresses sending while testing
        MAIL_DEFAULT_SENDER=("Shop", "shop@example.com"),
    )
    mail = fmail.Mail(app)

    @app.post("/orders")
    def order() -> t.Any:
        email = flask.request.form["email"]
        msg = fmail.Message(
            subject="Your order",
            recipients=[email],
            body=f"Thanks, {flask.request.form['name']}!",
            html=flask.render_template_string(
                "<p>Thanks, <b>{{ name }}</b>!</p>", name=flask.request.form["name"]
            ),
        )
        msg.attach("invoice.txt", "text/plain", b"total: 10")
        mail.send(msg)
        return {"sent": True}, 201

    @app.post("/newsletter")
    def newsletter() -> t.Any:
        with mail.connect() as conn:
            for addr in ("a@example.com", "b@example.com"):
                conn.send(fmail.Message("News", recipients=[addr], body="hi"))
        return {"sent": 2}

    return app, mail


def test_record_messages_from_a_view(setup: t.Any) -> None:
    app, mail = setup
    with mail.record_messages() as outbox:
        rv = app.test_client().post(
            "/orders", data={"email": "ann@example.com", "name": "<Ann>"}
        )
        assert rv.status_code == 201
    assert len(outbox) == 1
    msg = outbox[0]
    assert msg.subject == "Your order"
    assert msg.recipients == ["ann@example.com"]
    assert msg.sender == "Shop <shop@example.com>"
    assert msg.body == "Thanks, <Ann>!"
    assert msg.html == "<p>Thanks, <b>&lt;Ann&gt;</b>!</p>"
    assert msg.attachments[0].filename == "invoice.txt"
    with app.app_context():
        raw = msg.as_string()
    assert "From: =?utf-8?q?Shop?= <shop@example.com>" in raw
    assert 'Content-Disposition: attachment; filename="invoice.txt"' in raw


def test_bulk_send_over_one_connection(setup: t.Any) -> None:
    app, mail = setup
    with mail.record_messages() as outbox:
        assert app.test_client().post("/newsletter").json == {"sent": 2}
    assert [m.recipients for m in outbox] == [["a@example.com"], ["b@example.com"]]


def test_email_dispatched_signal_sender_is_the_app(setup: t.Any) -> None:
    app, mail = setup
    seen: list[t.Any] = []

    def receiver(sender: t.Any, message: t.Any) -> None:
        seen.append((sender, message.subject))

    with fmail.email_dispatched.connected_to(receiver):
        with app.app_context():
            mail.send_message("Direct", recipients=["c@example.com"], body="x")
    assert seen == [(app, "Direct")]


def test_message_needs_an_app_context(setup: t.Any) -> None:
    """The default sender is read from current_app.config."""
    with pytest.raises(RuntimeError, match="application context"):
        fmail.Message("x", recipients=["d@example.com"], body="x")
