"""The allow-list entries match their own difference and nothing near it."""

from __future__ import annotations

import base64
import typing as t

import pytest
from diff_allow import classify
from diff_compare import normalize
from diff_requests import sign
from diff_requests import spec
from diff_requests import WRONG_KEY

PAGE = b"<!doctype html><title>page</title>"


def raw(
    status: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = PAGE,
    log: str = "",
) -> dict[str, t.Any]:
    return {
        "status": status,
        "headers": [list(h) for h in headers or [("Content-Type", "text/html")]],
        "body": base64.b64encode(body).decode(),
        "log": log,
    }


def check(request: dict[str, t.Any], ours: t.Any, flask: t.Any) -> str | None:
    return classify(request, normalize(ours), normalize(flask), ours, flask)


def test_redirect_303_only_the_status() -> None:
    loc = [("Location", "/")]
    assert check(spec("/go"), raw("303 SEE OTHER", loc), raw("302 FOUND", loc)) == (
        "redirect_303"
    )
    other = [("Location", "/elsewhere")]
    assert (
        check(spec("/go"), raw("303 SEE OTHER", loc), raw("302 FOUND", other)) is None
    )
    assert check(spec("/go"), raw("302 FOUND", loc), raw("303 SEE OTHER", loc)) is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("a b", "malformed_host"),
        ("host:0", "malformed_host"),
        ("host:080", "malformed_host"),
        ("a..b", "malformed_host"),
        ("x" * 64 + ".com", "malformed_host"),
        ("\xc3\xa9..com", "malformed_host"),  # "é..com" from a server
        ("\xc3\xa9 b.com", "malformed_host"),  # IDNA form with a space
        ("\xc3\xa9.com:080", "malformed_host"),
        ("\x8a.com", "malformed_host"),  # a control character
        ("example.com", None),
        ("example.com:8080", None),
        ("x" * 63 + ".com", None),
        # IDNA encodes these: a 400 would be a bug
        ("\xc3\xa9.com", None),
        ("b\xfccher.example", None),
    ],
)
def test_malformed_host(host: str, expected: str | None) -> None:
    request = spec("/args", host=host)
    assert check(request, raw("400 BAD REQUEST"), raw("200 OK")) == expected


def args_page(host: str, iri: str) -> bytes:
    """The JSON of the differential app's ``/args`` for a host."""
    return (
        f'{{"external":"http://{host.lower()}/args","host":"{host}",'
        f'"host_url":"http://{iri}/","url":"http://{iri}/args"}}\n'
    ).encode()


def redirect_to(host: str) -> dict[str, t.Any]:
    loc = [("Content-Type", "text/html"), ("Location", f"http://{host}/args")]
    return raw("303 SEE OTHER", loc, body=f"<a href='http://{host}/args'>".encode())


@pytest.mark.parametrize(
    ("host", "served", "iri"),
    [
        ("\xc3\xa9.com", "xn--9ca.com", "\\u00e9.com"),  # UTF-8 bytes
        ("\xe9.com:8080", "xn--9ca.com:8080", "\\u00e9.com:8080"),  # latin-1
        ("\xc3\x89.COM:80", "xn--9ca.COM", "\\u00e9.com"),  # default port
    ],
)
def test_idna_host(host: str, served: str, iri: str) -> None:
    request = spec("/args", host=host)
    flask = raw("200 OK", body=args_page("", ""))
    ours = raw("200 OK", body=args_page(served, iri))
    assert check(request, ours, flask) == "idna_host"
    # as a redirect's Location and page
    request = spec("/go/external", host=host)
    ours, flask = redirect_to(served.lower()), redirect_to("")
    assert check(request, ours, flask) == "idna_host"


def test_idna_host_redirect_without_a_host() -> None:
    """Python 3.13's ``urljoin`` gives ``https:path`` for an empty host
    where earlier versions give ``https:///path``: both are the hostless
    redirect, as long as nothing else differs."""
    request = spec("/slash//", host="b\xc3\xbccher.example")

    def moved(url: str, page_url: str, status: str = "308 PERMANENT REDIRECT") -> t.Any:
        headers = [("Content-Type", "text/html"), ("Location", url)]
        return raw(status, headers, body=f"<a href='{page_url}'>x</a>".encode())

    served = "https://xn--bcher-kva.example/%C3%A9/slash/"
    ours = moved(served, "https://xn--bcher-kva.example/é/slash/")
    for flask_url, flask_page in [
        ("https:%C3%A9/slash/", "https:é/slash/"),
        ("https:///%C3%A9/slash/", "https:///é/slash/"),
    ]:
        assert check(request, ours, moved(flask_url, flask_page)) == "idna_host"
    for flask in [
        moved("https:%C3%A9/other/", "https:é/other/"),  # another path
        moved("https:%C3%A9/slash/", "https:é/slash/", "301 MOVED"),
        moved("http:%C3%A9/slash/", "http:é/slash/"),  # another scheme
        moved("https:%C3%A9/slash/", "https:é/slash/!"),  # another page
    ]:
        assert check(request, ours, flask) is None


def test_idna_host_nothing_else_differs() -> None:
    request = spec("/args", host="\xc3\xa9.com")
    flask = raw("200 OK", body=args_page("", ""))
    for ours in [
        raw("200 OK", body=args_page("xn--9ca.org", "\\u00e9.org")),  # another host
        raw("200 OK", body=args_page("xn--9ca.com", "\\u00e9.com") + b"x"),
        raw("201 CREATED", body=args_page("xn--9ca.com", "\\u00e9.com")),
        raw("400 BAD REQUEST"),
    ]:
        assert check(request, ours, flask) is None
    # an ASCII host, or one IDNA cannot encode, is not this difference
    good = raw("200 OK", body=args_page("xn--9ca.com", "\\u00e9.com"))
    for host in ("xn--9ca.com", "\xc3\xa9..com", "\xc3\xa9_b.com"):
        assert check(spec("/args", host=host), good, flask) is None


def test_malformed_host_needs_our_400() -> None:
    request = spec("/args", host="a b")
    assert check(request, raw("200 OK", body=b"x"), raw("200 OK")) is None


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("\xd9\xa3", "non_ascii_digits"),
        ("\xef\xbc\x91", "non_ascii_digits"),
        ("3", None),
    ],
)
def test_non_ascii_digits(segment: str, expected: str | None) -> None:
    request = spec("/int/" + segment)
    assert check(request, raw("404 NOT FOUND"), raw("200 OK", body=b"{}")) == expected


def test_oversized_session_cookie_at_the_browser_limit() -> None:
    def sent(size: int) -> t.Any:
        value = "a" * (size - len("session"))
        cookie = f"session={value}; HttpOnly; Path=/"
        return raw("200 OK", [("Content-Type", "text/html"), ("Set-Cookie", cookie)])

    request = spec("/session/big/4000")
    # name and value over 4096 bytes: browsers drop it, so may we
    assert check(request, raw("200 OK"), sent(4097)) == "oversized_session_cookie"
    # at 4096 a browser keeps it: dropping it loses the session (a bug)
    assert check(request, raw("200 OK"), sent(4096)) is None


def test_noncanonical_signature() -> None:
    good = sign({"user": "alice"})
    ours, flask = raw("200 OK", body=b"none"), raw("200 OK", body=b"alice")
    for value in (good + "=", good + "\xa0"):
        request = spec("/session/get", headers=[("Cookie", f"session={value}")])
        assert check(request, ours, flask) == "noncanonical_signature"
    for value in (good, sign({"user": "alice"}, WRONG_KEY) + "="):
        request = spec("/session/get", headers=[("Cookie", f"session={value}")])
        assert check(request, ours, flask) is None


def test_fallback_key_string_only_on_its_app() -> None:
    cookie = [("Cookie", f"session={sign({'user': 'x'}, 'o')}")]
    ours, flask = raw("200 OK", body=b"none"), raw("200 OK", body=b"x")
    assert check(spec("/", headers=cookie, app="strkey"), ours, flask) == (
        "fallback_key_string"
    )
    assert check(spec("/", headers=cookie, app="main"), ours, flask) is None


def test_a_plain_difference_is_not_allowed() -> None:
    assert check(spec("/"), raw("200 OK", body=b"a"), raw("200 OK", body=b"b")) is None
    assert check(spec("/"), raw("500 INTERNAL SERVER ERROR"), raw("200 OK")) is None


def test_broken_multipart_only_for_bodies_werkzeug_cannot_parse() -> None:
    ctype = [("Content-Type", "multipart/form-data; boundary=b")]
    good = b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n'
    ours, flask = raw("400 BAD REQUEST"), raw("200 OK", body=b"{}")
    for body in (good[:30], b"garbage", good.replace(b"--b--", b"--b")):
        request = spec("/form", "POST", headers=ctype, body=body)
        assert check(request, ours, flask) == "broken_multipart"
    request = spec("/form", "POST", headers=ctype, body=good)
    assert check(request, ours, flask) is None
