"""The allow-list: differences from Flask 3.1.3 that are intended.

Each entry names one documented difference (see ``docs/differences.rst``)
and matches it with a predicate as narrow as the difference itself: what
the request must contain, what Flask answers and what we answer instead.
Anything else that differs fails the differential test. The five
regressions of issue 14 (malformed Host and ``url_for``, ``Vary: Cookie``,
the session cookie size, Cookie header whitespace, the Host check) must
never be added here: they are bugs, not differences.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import typing as t
import zlib
from urllib.parse import unquote_to_bytes

from diff_compare import session_cookies
from diff_compare import without
from diff_requests import OLD_KEY
from diff_requests import SECRET_KEY
from diff_requests import serializer
from diff_requests import STR_FALLBACK
from itsdangerous.encoding import base64_decode
from werkzeug.exceptions import RequestEntityTooLarge

Norm = dict[str, t.Any]
Spec = dict[str, t.Any]


@dataclasses.dataclass(frozen=True)
class Allowed:
    name: str
    why: str
    match: t.Callable[[Spec, Norm, Norm, Norm, Norm], bool]


def _code(n: Norm) -> int:
    """The status code, or -1 when the app let an exception out."""
    first = n["status"].split()[0]
    return int(first) if first.isdigit() else -1


def _same_but_status(ours: Norm, flask: Norm) -> bool:
    return {**ours, "status": flask["status"]} == flask


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _query(spec: Spec) -> bytes:
    return unquote_to_bytes(spec["query"].encode("latin-1").replace(b"+", b" "))


def _body(spec: Spec) -> bytes:
    return base64.b64decode(spec["body"])


def _header(spec: Spec, name: str) -> str | None:
    for key, value in spec["headers"]:
        if key.lower() == name.lower():
            return t.cast(str, value)
    return None


def _flask_failed_with(raw_flask: Norm, error: str) -> bool:
    return raw_flask["status"].startswith("500") and raw_flask["log"].startswith(error)


def _session_value(spec: Spec) -> str | None:
    """The session cookie of the request, as werkzeug parses it."""
    from werkzeug.wrappers import Request

    header = _header(spec, "Cookie")
    if header is None:
        return None
    return Request({"HTTP_COOKIE": header}).cookies.get("session")


def _verifies(value: str, keys: t.Iterable[str]) -> bytes | None:
    """The signed payload itsdangerous finds in ``value`` with one of
    ``keys`` (expiry aside), or None."""
    for key in keys:
        signer = serializer(key).make_signer("cookie-session")
        try:
            return t.cast(bytes, signer.unsign(value))
        except Exception:
            continue
    return None


#: a signed value in its only spelling: URL-safe base64 without padding, a
#: 27-character SHA-1 signature whose last character has no stray bits
_CANONICAL = re.compile(
    r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{26}[AEIMQUYcgkosw048]"
)


def redirect_303(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    return (
        ours["status"] == "303 SEE OTHER"
        and flask["status"] == "302 FOUND"
        and _same_but_status(ours, flask)
    )


def non_utf8_query(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    return (
        _not_utf8(_query(spec))
        and _flask_failed_with(rf, "UnicodeDecodeError")
        and _code(ours) not in (-1, 500)  # we answered without failing
    )


#: the most a compressed session payload may inflate to on our package
MAX_PAYLOAD_SIZE = 256 * 1024
#: the app's limits (``diff_app.create_app``)
MAX_CONTENT_LENGTH = 64 * 1024
MAX_FORM_MEMORY_SIZE = 16 * 1024
MAX_FORM_PARTS = 40
#: TRUSTED_HOSTS of the "named" app
NAMED_TRUSTED_HOSTS = [".example.com", "localhost", "127.0.0.1"]
#: what browsers keep of a cookie: name and value, at most 4096 bytes
BROWSER_COOKIE_LIMIT = 4096


def _path(spec: Spec) -> str:
    return spec["path"].encode("latin-1").decode("utf-8", "replace")


def _content_type(spec: Spec) -> str:
    return (_header(spec, "Content-Type") or "").split(";")[0].strip().lower()


def _ascii_host(host: str) -> str | None:
    """How we read a Host value: an ASCII one as it is; otherwise the UTF-8
    text its latin-1 characters carry (else the text as it is), with the
    name IDNA-encoded; None if IDNA cannot encode the name."""
    if host.isascii():
        return host
    try:
        host = host.encode("latin-1").decode()
    except UnicodeError:
        pass
    name, colon, port = host.partition(":")
    try:
        return name.encode("idna").decode("ascii") + colon + port
    except UnicodeError:
        return None


def _host_is_malformed(spec: Spec) -> bool:
    """A Host whose name IDNA cannot encode, or whose ASCII form werkzeug
    drops (Flask then sees no host at all) or IDNA cannot encode either
    (Flask then fails to bind its URL adapter)."""
    from werkzeug.sansio.utils import get_host

    host = _header(spec, "Host")
    if not host:
        return False
    ascii_host = _ascii_host(host)
    if ascii_host is None or get_host("http", ascii_host, None) == "":
        return True
    name = ascii_host
    if not name.endswith("]"):
        name = name.rsplit(":", 1)[0]
    try:
        name.encode("idna")
    except UnicodeError:
        return True
    return False


def non_ascii_digits(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    path = _path(spec)
    prefixes = ("/int/", "/signed/", "/float/", "/api/v1/items/")
    segment = next((path[len(p) :] for p in prefixes if path.startswith(p)), "")
    return (
        any(c.isdigit() and not c.isascii() for c in segment)
        and _code(ours) == 404
        and _code(flask) != 404
    )


def deep_json(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    if not _flask_failed_with(rf, "RecursionError"):
        return False
    if spec["path"] == "/json/silent":
        return _code(ours) == 200 and ours["body"] == b'{"got":null}\n'
    return _code(ours) == 400


def chunked_over_limit(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    return (
        spec["chunked"]
        and len(_body(spec)) > MAX_CONTENT_LENGTH
        and _code(ours) == 413
        and _code(flask) != 413
    )


def form_memory_limit(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    # the size the client announces, else what it sends
    declared = (_header(spec, "Content-Length") or "").strip()
    size = int(declared) if declared.isdigit() else len(_body(spec))
    return (
        _content_type(spec) == "application/x-www-form-urlencoded"
        and MAX_FORM_MEMORY_SIZE < size <= MAX_CONTENT_LENGTH
        and _code(ours) == 413
        # Flask parses the form (or 400s on a body shorter than announced)
        and 0 <= _code(flask) < 500
        and _code(flask) != 413
    )


def _unparsable_multipart(spec: Spec) -> bool:
    """Whether werkzeug's multipart parser fails on the body as the app
    receives it (Flask's form parsing then silently gives an empty form)."""
    from werkzeug.formparser import MultiPartParser
    from werkzeug.http import parse_options_header

    boundary = parse_options_header(_header(spec, "Content-Type"))[1].get("boundary")
    if not boundary:
        return True
    body = _body(spec)
    declared = (_header(spec, "Content-Length") or "").strip()
    if declared.isdigit():
        body = body[: int(declared)]
    parser = MultiPartParser(
        # files in memory: no temporary files left open when parsing fails
        stream_factory=lambda *args, **kwargs: io.BytesIO(),
        max_form_memory_size=MAX_FORM_MEMORY_SIZE,
        max_form_parts=MAX_FORM_PARTS,
    )
    try:
        parser.parse(io.BytesIO(body), boundary.encode(), len(body))
    except ValueError:
        return True
    except RequestEntityTooLarge:  # over a limit: both packages say 413
        return False
    return False


def broken_multipart(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    return (
        _content_type(spec) == "multipart/form-data"
        and _unparsable_multipart(spec)
        and spec["path"] in ("/echo", "/form", "/login", "/items")
        and _code(ours) == 400
        and 0 <= _code(flask) < 400
    )


def non_utf8_form(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    data = unquote_to_bytes(_body(spec).replace(b"+", b" "))
    return (
        _content_type(spec) == "application/x-www-form-urlencoded"
        and _not_utf8(data)
        and ours["status"] == flask["status"]
        and 0 <= _code(ours) < 400
    )


def static_symlink_out(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    # Flask serves the target: 200, or 206/304/416 for Range and conditions
    return (
        spec["path"] == "/static/out"
        and _code(ours) == 404
        and _code(flask) in (200, 206, 304, 416)
    )


def _flask_crashed_without_adapter(rf: Norm) -> bool:
    return "'NoneType' object has no attribute 'build'" in (
        rf.get("exception") or rf["log"]
    )


def _rejected_host(ours: Norm, rf: Norm) -> bool:
    """We answer a 400 for the host (and error handlers work); or a
    before_request hook answered first, as it does before a 404, while Flask,
    without a URL adapter, crashed in the hook's url_for."""
    if _code(ours) == 400:
        return True
    return _flask_crashed_without_adapter(rf) and 0 <= _code(ours) < 500


def malformed_host(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    return _host_is_malformed(spec) and _rejected_host(ours, rf)


def _host_spellings(host: str) -> list[str]:
    """How a served host shows in a response: as ``request.host`` has it,
    lowercased (``url_for``), as an IRI (``request.url``, the name decoded
    from IDNA), and that IRI in JSON (non-ASCII escaped)."""
    from werkzeug.urls import uri_to_iri

    iri = uri_to_iri(f"http://{host}/")[len("http://") : -1]
    as_json = json.dumps(iri)[1:-1]
    return list(dict.fromkeys([host, host.lower(), iri, as_json]))


def _without_host(n: Norm, host: str, head: bool) -> Norm:
    """A normalized response with each spelling of ``host`` taken out of
    URLs (``//host/``) and JSON strings (``"host"``), as Flask shows an
    empty host, and its ``Content-Length`` following the body (without it
    for ``HEAD``, whose body is not there to shorten)."""
    body: bytes = n["body"]
    headers = n["headers"]
    for spelling in _host_spellings(host):
        body = body.replace(b"//" + spelling.encode(), b"//")
        body = body.replace(f'"{spelling}"'.encode(), b'""')
        headers = [
            (k, v.replace(f"//{spelling}", "//") if isinstance(v, str) else v)
            for k, v in headers
        ]
    removed = len(n["body"]) - len(body)
    headers = [
        (k, str(int(v) - removed) if k == "content-length" and v.isdigit() else v)
        for k, v in headers
        if not (head and k == "content-length")
    ]
    return {**n, "body": body, "headers": headers}


def idna_host(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    """A non-ASCII Host werkzeug drops but whose IDNA form it keeps: Flask
    serves it with an empty host, we with that form; nothing else differs."""
    from werkzeug.sansio.utils import get_host

    host = _header(spec, "Host")
    if host is None or host.isascii() or _host_is_malformed(spec):
        return False
    scheme = spec.get("scheme", "http")
    ascii_host = _ascii_host(host)
    if ascii_host is None or get_host(scheme, host) != "":
        return False
    served = get_host(scheme, ascii_host)
    if served == "":
        return False
    head = spec["method"] == "HEAD"
    fixed = _without_host(ours, served, head)
    if head:
        flask = without(flask, "content-length")
    # a redirect also differs in its status (``redirect_303``)
    return (
        fixed == flask
        or redirect_303(spec, fixed, flask, ro, rf)
        or _hostless_redirect(ours, flask, served)
    )


def _hostless_redirect(ours: Norm, flask: Norm, served: str) -> bool:
    """A redirect Flask sends to a URL without a host, ours to the same
    path on ``served``. werkzeug joins an empty host into the redirect
    URL with ``urljoin``, whose result for ``scheme://`` and a relative
    path depends on the Python version (3.13 gives ``https:path``), so
    the two URLs are compared by their parts and each redirect page with
    its own URL taken out."""
    from urllib.parse import unquote
    from urllib.parse import urlsplit

    from werkzeug.urls import uri_to_iri

    ours_at = dict(ours["headers"]).get("location")
    flask_at = dict(flask["headers"]).get("location")
    if ours_at is None or flask_at is None:
        return False
    ours_url, flask_url = urlsplit(ours_at), urlsplit(flask_at)
    if (
        ours_url.netloc != served
        or flask_url.netloc != ""
        or (ours_url.scheme, ours_url.path.lstrip("/"), ours_url.query)
        != (flask_url.scheme, flask_url.path.lstrip("/"), flask_url.query)
    ):
        return False

    def page(n: Norm, url: str) -> Norm:
        body: bytes = n["body"]
        # The page shows the URL decoded (its host as sent or as an IRI).
        for form in dict.fromkeys([uri_to_iri(url), unquote(url), url]):
            body = body.replace(form.encode(), b"<URL>")
        headers = [
            (k, v) for k, v in n["headers"] if k not in ("location", "content-length")
        ]
        return {**n, "body": body, "headers": headers}

    fixed, theirs = page(ours, ours_at), page(flask, flask_at)
    return fixed == theirs or redirect_303({}, fixed, theirs, ours, flask)


def untrusted_host(spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm) -> bool:
    from werkzeug.sansio.utils import host_is_trusted

    host = _header(spec, "Host")
    return (
        spec["app"] == "named"
        and host is not None
        and not host_is_trusted(_ascii_host(host) or host, NAMED_TRUSTED_HOSTS)
        and _flask_crashed_without_adapter(rf)
        and _rejected_host(ours, rf)
    )


def oversized_session_cookie(
    spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm
) -> bool:
    sent = [
        v
        for k, v in rf["headers"]
        if k.lower() == "set-cookie" and v.startswith("session=")
    ]
    return (
        len(sent) == 1
        and len(sent[0].split(";")[0]) - 1 > BROWSER_COOKIE_LIMIT
        and not session_cookies(ours)
        and without(ours, "set-cookie") == without(flask, "set-cookie")
    )


def noncanonical_signature(
    spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm
) -> bool:
    value = _session_value(spec)
    return (
        value is not None
        and not _CANONICAL.fullmatch(value)
        and _verifies(value, (SECRET_KEY, OLD_KEY)) is not None
    )


def session_inflate_limit(
    spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm
) -> bool:
    value = _session_value(spec)
    if value is None or not value.startswith("."):
        return False
    payload = _verifies(value, (SECRET_KEY, OLD_KEY))
    if payload is None:
        return False
    compressed = base64_decode(payload[1:])
    return len(zlib.decompress(compressed)) > MAX_PAYLOAD_SIZE


def fallback_key_string(
    spec: Spec, ours: Norm, flask: Norm, ro: Norm, rf: Norm
) -> bool:
    value = _session_value(spec)
    return (
        spec["app"] == "strkey"
        and value is not None
        and _verifies(value, (STR_FALLBACK, *STR_FALLBACK)) is not None
    )


ALLOWED = [
    Allowed(
        "redirect_303",
        "redirect() defaults to 303 See Other, as in Flask 3.2 (Flask 3.1: 302)",
        redirect_303,
    ),
    Allowed(
        "non_utf8_query",
        "bytes that are not UTF-8 in the query string stay percent-encoded;"
        " Flask 3.1 answers 500 (UnicodeDecodeError)",
        non_utf8_query,
    ),
    Allowed(
        "non_ascii_digits",
        "<int:>/<float:> segments with non-ASCII digits (Arabic-Indic,"
        " fullwidth...) do not match (404); Flask accepts them as numbers",
        non_ascii_digits,
    ),
    Allowed(
        "deep_json",
        "too deeply nested JSON is a 400 (or None with silent=True);"
        " Flask 3.1 answers 500 (RecursionError)",
        deep_json,
    ),
    Allowed(
        "chunked_over_limit",
        "a body without Content-Length over MAX_CONTENT_LENGTH is a 413;"
        " Flask silently cuts it at the limit",
        chunked_over_limit,
    ),
    Allowed(
        "form_memory_limit",
        "MAX_FORM_MEMORY_SIZE also bounds URL-encoded bodies (413), whatever"
        " the werkzeug version; Flask with werkzeug 3.1 parses them whole",
        form_memory_limit,
    ),
    Allowed(
        "broken_multipart",
        "an unparsable multipart body is a 400; Flask gives an empty form",
        broken_multipart,
    ),
    Allowed(
        "non_utf8_form",
        "bytes that are not UTF-8 in a URL-encoded form stay percent-encoded;"
        " Flask empties the whole form",
        non_utf8_form,
    ),
    Allowed(
        "static_symlink_out",
        "a symlink in the static folder pointing outside it is a 404;"
        " Flask serves the target",
        static_symlink_out,
    ),
    Allowed(
        "malformed_host",
        "a malformed Host is a 400 (error handlers and url_for still work);"
        " Flask treats it as no host (links become http:///) or, for names"
        " IDNA cannot encode, fails with a 500",
        malformed_host,
    ),
    Allowed(
        "idna_host",
        "a Host of non-ASCII letters is read in its IDNA (xn--) form, which"
        " request.host and the URLs built show; werkzeug drops it, so Flask"
        " serves it with an empty host (links become http:///)",
        idna_host,
    ),
    Allowed(
        "untrusted_host",
        "a Host outside TRUSTED_HOSTS is a 400 as in Flask, but error handlers"
        " and hooks can still call url_for; Flask has no URL adapter then and"
        " a 400 page that calls url_for fails with a 500",
        untrusted_host,
    ),
    Allowed(
        "oversized_session_cookie",
        "a session cookie over the browsers' limit is not sent (the client"
        " keeps its previous session; a warning is logged); Flask sends it"
        " and browsers drop it",
        oversized_session_cookie,
    ),
    Allowed(
        "noncanonical_signature",
        "a session cookie whose signature is not spelled canonically (padding,"
        " + or /, junk characters, stray bits in the last character) is"
        " rejected; itsdangerous accepts these spellings",
        noncanonical_signature,
    ),
    Allowed(
        "session_inflate_limit",
        "a compressed session payload inflating beyond 256 KiB gives an empty"
        " session; Flask inflates it whole",
        session_inflate_limit,
    ),
    Allowed(
        "fallback_key_string",
        "SECRET_KEY_FALLBACKS given as one string is one key; Flask takes each"
        " character as a key, so a cookie signed with 'o' is accepted",
        fallback_key_string,
    ),
]


def classify(
    spec: Spec, ours: Norm, flask: Norm, raw_ours: Norm, raw_flask: Norm
) -> str | None:
    """The name of the allow-list entry explaining a difference, or None."""
    for entry in ALLOWED:
        if entry.match(spec, ours, flask, raw_ours, raw_flask):
            return entry.name
    return None
