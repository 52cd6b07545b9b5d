"""Checking the ``Host`` header, and reading a non-ASCII one as its IDNA
(``xn--``) form."""

from __future__ import annotations

import re
import typing as t
from functools import lru_cache

from werkzeug.exceptions import BadHost
from werkzeug.exceptions import BadRequest

if t.TYPE_CHECKING:
    from .wrappers import Request

# werkzeug's host syntax (``werkzeug.sansio.utils``): a name or IPv4 address
# of letters, digits, dots and hyphens, or a bracketed IPv6 address; then an
# optional port without leading zeros. Names are checked with string methods
# (compiling this pattern costs a fresh process about 0.3 ms); the pattern is
# compiled, and cached by :mod:`re`, when a first bracketed host comes.
_HOST_SYNTAX = r"(?:[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([1-9][0-9]{0,4}))?"

_DEFAULT_PORT_SUFFIX = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}


def _valid_port(port: str) -> bool:
    """Whether ``port`` (ASCII) is 1-65535 written without leading zeros."""
    return (
        0 < len(port) <= 5 and port.isdigit() and port[0] != "0" and int(port) < 65536
    )


def host_syntax_ok(host: str) -> bool:
    """Whether ``host`` (the default port removed) has werkzeug's host
    syntax and, if it has a port, one in 1-65535."""
    if not host or not host.isascii():
        return False
    if host[0] == "[":
        match = re.fullmatch(_HOST_SYNTAX, host, re.ASCII | re.IGNORECASE)
        if match is None:
            return False
        port = match.group(1)
        return port is None or _valid_port(port)
    name, colon, port = host.partition(":")
    if not name:
        return False
    letters = name.replace(".", "").replace("-", "")
    if letters and not letters.isalnum():
        return False
    return not colon or _valid_port(port)


def check_host(host: str | None, scheme: str) -> None:
    """Raise a 400 for a ``Host`` header werkzeug would discard, treating the
    request as having no host at all (``request.host == ""``, external URLs
    like ``http:///x``): characters no host name has (space, ``_``, ``/``,
    ``@``, non-ASCII), an unclosed IPv6 bracket, an empty or zero-padded port,
    a port outside 1-65535. Like werkzeug, the scheme's default port is
    removed first. An absent or empty header is not an error."""
    if not host:
        return
    suffix = _DEFAULT_PORT_SUFFIX.get(scheme)
    if suffix is not None and host.endswith(suffix):
        host = host[: -len(suffix)]
    if host_syntax_ok(host):
        return
    raise BadRequest("The Host header is malformed.")


def encode_idna(name: str) -> str:
    """``name.encode("idna").decode("ascii")``, without loading the IDNA codec
    (several milliseconds in a fresh process) for an ASCII name, which the
    codec returns as it is: each label 1 to 63 characters long, the last one
    also empty (a trailing dot). Raises UnicodeError where the codec does."""
    if not name.isascii():
        return name.encode("idna").decode("ascii")
    *labels, last = name.split(".")
    if len(last) > _MAX_LABEL or not all(
        0 < len(label) <= _MAX_LABEL for label in labels
    ):
        raise UnicodeError(f"{name!r}: a label is empty or too long for IDNA")
    return name


#: the label separators IDNA knows (full stop, ideographic and fullwidth ones);
#: compiled (and cached by :mod:`re`) when a first non-ASCII host comes
_LABEL_SEPARATORS = "[.\u3002\uff0e\uff61]"
#: DNS's limits on a name and on one label of its ASCII form
_MAX_NAME = 253
_MAX_LABEL = 63


@lru_cache(maxsize=256)
def idna_host(host: str) -> str | None:
    """The ``Host`` value ``host`` (not ASCII) with its name IDNA-encoded
    (``é.com:8080`` -> ``xn--9ca.com:8080``), or None if IDNA cannot encode
    the name. The port is kept as is, for :func:`check_host` to judge.

    A WSGI string carries bytes as latin-1 characters: UTF-8 bytes are read
    as UTF-8 (as a server passes ``é`` on: ``Ã©``); otherwise (characters
    above U+00FF, which a test client may put in the environ, or bytes that
    are not UTF-8) the text is taken as it is.

    A name over 253 characters (DNS's limit), or with a label over 63
    characters once IDNA has mapped it (case, compatibility forms), is
    refused without encoding it: its ASCII form would be longer still, and
    encoding takes time quadratic in a label's length. Cached (bounded),
    like the adapter's server name: a site sees few distinct hosts.
    """
    try:
        host = host.encode("latin-1").decode()
    except UnicodeError:
        pass
    name, colon, port = host.partition(":")
    if len(name) > _MAX_NAME:
        return None
    # Imported here: the IDNA codec is not needed at start-up.
    from encodings.idna import nameprep

    try:
        for label in re.split(_LABEL_SEPARATORS, name):
            # Punycode never shortens the mapped label.
            if len(label) > _MAX_LABEL and len(nameprep(label)) > _MAX_LABEL:
                return None
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:  # a character IDNA prohibits, an empty label...
        return None
    return f"{ascii_name}{colon}{port}"


#: the request attributes werkzeug derives from the host and caches
_FROM_HOST = ("host", "url", "base_url", "root_url", "host_url")


def read_idna_host(request: Request, host: str) -> str:
    """Rewrite a non-ASCII ``Host`` header in the request's environ to its
    IDNA form, which the request, URL matching and building then all use,
    as a proxy fix would; return it. Raise werkzeug's 400 ``BadHost`` if
    IDNA cannot encode the name, or a 400 if the result is malformed (see
    :func:`check_host`); the environ is then left as it was."""
    environ = request.environ
    ascii_host = idna_host(host)
    if ascii_host is None:
        raise BadHost()
    check_host(ascii_host, environ["wsgi.url_scheme"])
    environ["HTTP_HOST"] = ascii_host
    cached = request.__dict__
    if "host" in cached:  # read before the rewrite: derive it again
        for name in _FROM_HOST:
            cached.pop(name, None)
    return ascii_host
