"""Flask-Babel: locale and timezone selectors, gettext in templates, formats."""

from __future__ import annotations

import datetime
import typing as t

import pytest
from compat_support import require

import flask

fb = require("flask_babel")
from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PAGE = """{{ _('Hello %(name)s!', name=name) }}|\
{{ ngettext('%(num)d apple', '%(num)d apples', n) }}|\
{{ 1234.5|decimalformat }}|{{ when|datetimeformat('short') }}"""


def write_catalog(root: t.Any) -> None:
    catalog = Catalog(locale="de")
    catalog.add("Hello %(name)s!", "Hallo %(name)s!")
    catalog.add(("%(num)d apple", "%(num)d apples"), ("%(num)d Apfel", "%(num)d Äpfel"))
    catalog.add("Goodbye", "Auf Wiedersehen")
    path = root / "translations" / "de" / "LC_MESSAGES"
    path.mkdir(parents=True)
    with open(path / "messages.mo", "wb") as f:
        write_mo(f, catalog)


@pytest.fixture
def app(tmp_path: t.Any) -> flask.Flask:
    write_catalog(tmp_path)
    app = flask.Flask(__name__, root_path=str(tmp_path))
    app.config["TESTING"] = True

    def select_locale() -> str | None:
        if not flask.has_request_context():
            return None  # BABEL_DEFAULT_LOCALE
        lang = flask.request.args.get("lang")
        if lang:
            return lang
        return flask.request.accept_languages.best_match(["en", "de"])

    def select_timezone() -> str | None:
        if not flask.has_request_context():
            return None
        return flask.request.args.get("tz")

    fb.Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    bye = fb.lazy_gettext("Goodbye")

    @app.route("/")
    def index() -> str:
        n = int(flask.request.args.get("n", 2))
        when = datetime.datetime(2024, 3, 1, 12, 30, tzinfo=datetime.timezone.utc)
        return flask.render_template_string(PAGE, name="Ann", n=n, when=when)

    @app.route("/bye")
    def goodbye() -> t.Any:
        return {"bye": str(bye), "locale": str(fb.get_locale())}

    return app


def test_default_locale_is_english(app: flask.Flask) -> None:
    rv = app.test_client().get("/")
    assert (
        rv.get_data(as_text=True) == "Hello Ann!|2 apples|1,234.5|3/1/24, 12:30\u202fPM"
    )


def test_locale_selector_and_gettext_in_templates(app: flask.Flask) -> None:
    client = app.test_client()
    rv = client.get("/?lang=de&n=1")
    assert rv.get_data(as_text=True) == "Hallo Ann!|1 Apfel|1.234,5|01.03.24, 12:30"
    rv = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert rv.get_data(as_text=True).startswith("Hallo Ann!|2 Äpfel|")


def test_timezone_selector(app: flask.Flask) -> None:
    rv = app.test_client().get("/?lang=de&tz=Europe/Berlin")
    assert rv.get_data(as_text=True).endswith("|01.03.24, 13:30")


def test_lazy_string_resolved_per_request(app: flask.Flask) -> None:
    client = app.test_client()
    assert client.get("/bye?lang=de").json == {"bye": "Auf Wiedersehen", "locale": "de"}
    assert client.get("/bye").json == {"bye": "Goodbye", "locale": "en"}


def test_force_locale_and_refresh(app: flask.Flask) -> None:
    with app.test_request_context("/?lang=en"):
        assert fb.gettext("Goodbye") == "Goodbye"
        with fb.force_locale("de"):
            assert fb.gettext("Goodbye") == "Auf Wiedersehen"
            assert fb.format_decimal(0.5) == "0,5"
        assert str(fb.get_locale()) == "en"
        assert fb.format_currency(3.5, "EUR") == "€3.50"


def test_outside_request_uses_default_locale(app: flask.Flask) -> None:
    with app.app_context():
        assert str(fb.get_locale()) == "en"
        assert fb.gettext("Goodbye") == "Goodbye"
        with fb.force_locale("de"):
            assert fb.gettext("Goodbye") == "Auf Wiedersehen"
        assert {str(x) for x in fb.get_babel().instance.list_translations()} == {
            "en",
            "de",
        }
