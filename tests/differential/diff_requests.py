"""Seeded random and malformed requests for the differential suite.

Every spec is a plain JSON-able dict describing a raw WSGI request (see
``diff_worker.build_environ``). Paths, query strings and header values are
WSGI strings: the request bytes decoded as latin-1, so any byte can be sent.
Session cookies are signed here with itsdangerous directly (the same format
as Flask's), with the app's key, its fallback key, a wrong key, an expired
timestamp or a tampered signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time
import typing as t

from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

SECRET_KEY = "differential secret"
OLD_KEY = "previous secret"
WRONG_KEY = "not the secret"
#: the "strkey" app's SECRET_KEY_FALLBACKS: one string, one key
STR_FALLBACK = "oldkey"
KEYS = {"current": SECRET_KEY, "fallback": OLD_KEY}
MONTH = 31 * 24 * 3600


class _Raw:
    """Serializer that passes already-encoded JSON text through."""

    @staticmethod
    def dumps(obj: t.Any) -> str:
        return obj if isinstance(obj, str) else json.dumps(obj)

    @staticmethod
    def loads(data: t.Any) -> t.Any:
        return json.loads(data)


def serializer(key: str, timestamp: int | None = None) -> URLSafeTimedSerializer:
    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) if timestamp is None else timestamp

    return URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        serializer=_Raw,
        signer=Signer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def sign(payload: t.Any, key: str = SECRET_KEY, age: int = 0) -> str:
    """A session cookie value for ``payload`` (tagged JSON, as Flask's)."""
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return serializer(key, int(time.time()) - age).dumps(text)


def decode_session(value: str) -> tuple[str, t.Any]:
    """Which key signed a session cookie value, and its JSON payload."""
    for name, key in KEYS.items():
        try:
            return name, serializer(key).loads(value)
        except Exception:
            continue
    return "unverified", value


def latin(data: bytes) -> str:
    return data.decode("latin-1")


def spec(
    path: str | bytes = "/",
    method: str = "GET",
    query: str | bytes = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    chunked: bool = False,
    app: str = "main",
    host: str | None = "localhost",
    length: str | None = None,
) -> dict[str, t.Any]:
    hs = list(headers or [])
    if host is not None:
        hs.insert(0, ("Host", host))
    if body and not chunked and length is None:
        length = str(len(body))
    if length is not None:
        hs.append(("Content-Length", length))
    return {
        "app": app,
        "method": method,
        "path": latin(path) if isinstance(path, bytes) else path,
        "query": latin(query) if isinstance(query, bytes) else query,
        "headers": [list(h) for h in hs],
        "body": base64.b64encode(body).decode(),
        "chunked": chunked,
    }


HOSTS = [
    "localhost",
    "localhost:5000",
    "example.com",
    "EXAMPLE.com:8080",
    "127.0.0.1",
    "127.0.0.1:80",
    "[::1]",
    "[::1]:8080",
    "xn--bcher-kva.example",
    "b\xc3\xbccher.example",  # raw UTF-8 bytes
    "b\xfccher.example",  # a latin-1 byte
    "ąśźäüжŠßя.com".encode().decode("latin-1"),
    "\xc3\xa9.com:8080",
    "\xc3\x89.COM:80",
    "\xc3\xa9..com",  # IDNA cannot encode it
    "\xc3\xa9_b.com",  # its IDNA form has an underscore
    "\x8a.com",  # a control character
    "a b",
    "a\tb.com",
    "a\x00b",
    "host:0",
    "host:65536",
    "host:99999",
    "host:",
    "host:080",
    "host:00",
    "host:1:2",
    "a..b",
    "x" * 64 + ".com",
    "a." + "b" * 64,
    "xn--zz.com",
    "example.xn--zz",
    "x" * 63 + ".com",
    "_",
    "a_b.com",
    "-a.com",
    "a.com, b.com",
    "[::1",
    "[zz]",
    "",
    ".",
    "a.",
    "host:+80",
    "host: 80",
    "@evil.com",
    "a/b",
    "a?b",
    "a#b",
    "%41.com",
]

INT_SEGMENTS = [
    "0",
    "1",
    "42",
    "007",
    "-1",
    "+5",
    "1e3",
    "99999999999999999999",
    "",
    "\xd9\xa3",
    "\xef\xbc\x91",
    "\xe0\xa5\xa8",
    "12a",
    " 1",
    "1 ",
]
FLOAT_SEGMENTS = [
    "1.5",
    "0.0",
    "-1.5",
    "1",
    ".5",
    "1.",
    "1e3",
    "nan",
    "inf",
    "\xd9\xa3.\xd9\xa3",
    "1.\xef\xbc\x91",
    "3.14159",
]
STR_SEGMENTS = [
    "abc",
    "a b",
    "%20",
    "%2F",
    "\xc3\xa9",
    "\xff",
    "%ff",
    "..",
    "a.b",
    "%00",
    "\x00",
    "~",
    "a;b",
    "a%3Bb",
    "<script>",
    "'\"",
    "%C3%A9",
]
UUIDS = [
    "12345678-1234-5678-1234-567812345678",
    "12345678123456781234567812345678",
    "not-a-uuid",
    "12345678-1234-5678-1234-56781234567Z",
    "ABCDEF12-1234-5678-1234-567812345678",
]
PATH_SEGMENTS = [
    "a/b/c",
    "a//b",
    "a/../b",
    "a/./b",
    "%2e%2e/x",
    "a%2Fb",
    "x/",
    "\xc3\xa9/\xff",
    "..",
    "a/b/",
]
QUERIES = [
    "",
    "x=1",
    "x=1&x=2",
    "x=%ff",
    "x=%fe%ff&y=2",
    "x=\xff",
    "x=\xc3\xa9",
    "x=%C3%A9",
    "x=%",
    "x=%zz",
    "x=%e2%82",
    "&&=&",
    "=",
    "x",
    "a=1;b=2",
    "x=a+b",
    "x=a%20b",
    "x=%00",
    "x=\x00",
    "x=1&bounce=1",
    "bounce=1",
    "name=%3Cb%3E",
    "name=\xe9",
    "x=" + "y" * 300,
    "%ff=1",
    "\xff\xfe=\xfd",
    "x=%uffff",
    "x=%%31",
]


def _valid_session_payloads(rng: random.Random) -> t.Any:
    return rng.choice(
        [
            {"user": "alice"},
            {"user": "b\u00f6b", "n": 3},
            {"_permanent": True, "user": "carol"},
            {"_flashes": [{" t": ["info", "hi"]}, {" t": ["message", "<b>x</b>"]}]},
            {"user": "x" * 300},
            {"blob": {" b": base64.b64encode(b"\x00\x01bin").decode()}},
            {"when": {" d": "Tue, 01 Jan 2030 00:00:00 GMT"}},
            {"t": {" t": [1, 2]}, "m": {" m": "<i>m</i>"}},
            {"k": {" di": {"a": 1}}},
            {},
        ]
    )


def session_cookie(rng: random.Random) -> str:
    """A Cookie header value around the session cookie, often malformed."""
    payload = _valid_session_payloads(rng)
    good = sign(payload)
    kind = rng.randrange(20)
    if kind < 6:
        return f"session={good}"
    if kind == 6:
        key = rng.choice([OLD_KEY, STR_FALLBACK, STR_FALLBACK[0], STR_FALLBACK[-1]])
        return f"session={sign(payload, key)}"
    if kind == 7:
        return f"session={sign(payload, WRONG_KEY)}"
    if kind == 8:
        return f"session={sign(payload, age=MONTH + 3600)}"
    if kind == 9:
        i = rng.randrange(len(good))
        c = "A" if good[i] != "A" else "B"
        return f"session={good[:i]}{c}{good[i + 1 :]}"
    if kind == 10:
        other = sign({"user": "mallory"})
        return rng.choice(
            [
                f"\x0bsession={good}; session={other}",
                f"session={good}; session={other}",
                f"\x1csession={good}; session={other}",
                f" session={good};session={other}",
            ]
        )
    if kind == 11:
        return rng.choice(
            [
                f"session=\x1c{good}",
                f"session={good}\x1c",
                f"session=\x0b{good}",
                f"session= {good}",
                f"session=\t{good}\t",
                f"session={good}\xa0",
                f"session=\xa0{good}",
                f'session="{good}"',
                f"session={good} ",
            ]
        )
    if kind == 12:
        return rng.choice(
            [
                "session=",
                "session",
                "session=garbage",
                "session=.eJw",
                "session=a.b.c",
                "session=" + "A" * 50,
                "=session",
                ";;;",
                "",
            ]
        )
    if kind == 13:
        return rng.choice(
            [
                "a=1; b=2",
                "a=1;;b=2",
                'a="q\\"x"',
                "\xe9=\xfc",
                "a=1, b=2",
                "c=\x1c1",
                "\x0bc=1",
                "a=%20b",
                "$Version=1; a=1",
                "a",
            ]
        )
    if kind == 14:
        return f"a=1; session={good}; b=2"
    if kind == 15:
        return f"session={sign(payload, age=MONTH - 3600)}"
    if kind == 16:
        return f"session={rng.choice(respelled(good))}"
    if kind == 17 and rng.random() < 0.5:
        # inflates far beyond the 256 KiB bound (a few hundred bytes signed)
        return f"session={sign({'a': 'x' * rng.choice([1000, 300_000])})}"
    if kind == 17:
        a, b = rng.sample(SIDS, 2)
        return rng.choice(
            [
                f"sid={a}",
                f"sid={a}; sid={b}",
                "sid=nope",
                "sid=",
                f"\x0bsid={a}; sid={b}",
                f"sid=\x1c{a}",
                f"sid= {a} ",
            ]
        )
    return f"session={good}; sid={rng.choice(SIDS)}"


def sid_for(data: dict[str, t.Any]) -> str:
    """The custom session's id for its content (as ``diff_app.sid_for``)."""
    text = json.dumps(data, sort_keys=True)
    return "s-" + hashlib.sha1(text.encode()).hexdigest()[:12]


#: ids of the sessions stored in the custom app from the start
#: (``diff_app.STORED_SESSIONS``)
SIDS = [
    sid_for({"user": "eve"}),
    sid_for({"a": "1", "b": "2"}),
    sid_for({"user": "dave"}),
    sid_for({"_flashes": [["message", "hi"]]}),
]


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def respelled(value: str) -> list[str]:
    """Other spellings of a signed value's signature that itsdangerous
    still accepts: padding, standard-alphabet characters, ignored junk, a
    last character with its unused bits set."""
    head, _, sig = value.rpartition(".")
    last = _B64[_B64.index(sig[-1]) | 1]
    rv = [
        f"{head}.{sig}=",
        f"{head}.{sig[:-1]}{last}",
        f"{head}.{sig[:5]}\xe9{sig[5:]}",
        f"{head}.{sig}\xa0",
    ]
    if "-" in sig or "_" in sig:
        rv.append(f"{head}.{sig.replace('-', '+').replace('_', '/')}")
    return rv


def _multipart(rng: random.Random) -> tuple[bytes, str]:
    boundary = rng.choice(["b0undary", "----x", "a" * 70])
    parts = []
    for i in range(rng.randrange(0, 4)):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"'
            f"\r\n\r\nvalue {i} \u00e9\r\n".encode()
        )
    for i in range(rng.randrange(0, 3)):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2000)))
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file{i}"; '
            f'filename="f{i}.bin"\r\nContent-Type: application/octet-stream'
            f"\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _broken_multipart(rng: random.Random) -> tuple[bytes, str]:
    body, ctype = _multipart(rng)
    kind = rng.randrange(8)
    if kind == 0:
        return body, "multipart/form-data"
    if kind == 1:
        return body[: max(1, len(body) // 2)], ctype
    if kind == 2:
        return body.replace(b"--\r\n", b""), ctype
    if kind == 3:
        return b"--zzz\r\n\r\n", ctype
    if kind == 4:
        return b"garbage", ctype
    if kind == 5:
        parts = b"".join(
            b'--b\r\nContent-Disposition: form-data; name="p%d"\r\n\r\nv\r\n' % i
            for i in range(45)
        )
        return parts + b"--b--\r\n", "multipart/form-data; boundary=b"
    if kind == 6:
        big = b"v" * 20000
        return (
            b'--b\r\nContent-Disposition: form-data; name="big"\r\n\r\n'
            + big
            + b"\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
        )
    return (
        b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n\xff\xfe\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    )


def _json_body(rng: random.Random) -> bytes:
    kind = rng.randrange(10)
    if kind < 4:
        value: t.Any = rng.choice(
            [
                {"a": 1},
                [1, 2, {"b": None}],
                "s",
                1.5,
                True,
                None,
                {"\u00e9": ["\u2603", {"x": [1e10]}]},
                {"n": 10**30},
            ]
        )
        return json.dumps(value).encode()
    if kind == 4:
        return rng.choice(
            [
                b"{",
                b"[1,",
                b"{'a': 1}",
                b"",
                b"nul",
                b"\xff",
                b"NaN",
                b"[1e999]",
                b'{"a": 1} x',
                b'"\\ud800"',
            ]
        )
    if kind == 5:
        n = rng.choice([50, 200, 999, 1500, 5000])
        return b"[" * n + b"]" * n
    if kind == 6:
        n = rng.choice([100, 1500, 5000])
        return b'{"a":' * n + b"1" + b"}" * n
    if kind == 7:
        return '{"\u00e9": 1}'.encode("utf-16")
    if kind == 8:
        return b"\xef\xbb\xbf" + b'{"bom": 1}'
    return json.dumps({"big": "x" * rng.choice([1000, 70000])}).encode()


def _urlencoded(rng: random.Random) -> bytes:
    return rng.choice(
        [
            b"a=1&b=2",
            b"a=1&a=2&b=%C3%A9",
            b"a=%ff&b=2",
            b"a=\xff&b=2",
            b"a=\xc3\xa9",
            b"x=" + b"y" * 17000,
            b"x=" + b"y" * 70000,
            b"&&=&",
            b"a",
            b"a=%",
            b"user=dave",
            b"user=%ff",
        ]
    )


def body_request(rng: random.Random) -> dict[str, t.Any]:
    path = rng.choice(
        [
            "/echo",
            "/form",
            "/data",
            "/json",
            "/json/silent",
            "/json/force",
            "/api/echo",
            "/login",
            "/items",
        ]
    )
    method = rng.choice(["POST", "POST", "POST", "PUT"])
    kind = rng.randrange(6)
    headers: list[tuple[str, str]] = []
    if kind == 0:
        body = _json_body(rng)
        ctype = rng.choice(
            [
                "application/json",
                "application/json; charset=utf-8",
                "application/vnd.api+json",
                "text/plain",
                "",
            ]
        )
    elif kind == 1:
        body = _urlencoded(rng)
        ctype = "application/x-www-form-urlencoded"
    elif kind == 2:
        body, ctype = _multipart(rng)
    elif kind == 3:
        body, ctype = _broken_multipart(rng)
    elif kind == 4:
        body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 10, 5000])))
        ctype = rng.choice(["application/octet-stream", "", "text/plain"])
    else:
        body = b"y" * rng.choice([65 * 1024, 70000, 100])
        ctype = rng.choice(
            ["application/octet-stream", "application/x-www-form-urlencoded"]
        )
    if ctype:
        headers.append(("Content-Type", ctype))
    chunked = rng.random() < 0.25
    length = None
    if not chunked and rng.random() < 0.1:
        length = rng.choice(
            [
                "abc",
                "-1",
                str(len(body) + 10),
                str(max(0, len(body) - 3)),
                "0",
                " 5",
                "999999999",
            ]
        )
    if rng.random() < 0.2:
        headers.append(("Cookie", session_cookie(rng)))
    return spec(
        path,
        method,
        headers=headers,
        body=body,
        chunked=chunked,
        length=length,
        app=rng.choice(["main", "main", "custom"]),
    )


def _route_path(rng: random.Random) -> bytes | str:
    kind = rng.randrange(16)
    if kind == 0:
        return "/int/" + rng.choice(INT_SEGMENTS)
    if kind == 1:
        return "/signed/" + rng.choice(INT_SEGMENTS)
    if kind == 2:
        return "/float/" + rng.choice(FLOAT_SEGMENTS)
    if kind == 3:
        return "/str/" + rng.choice(STR_SEGMENTS)
    if kind == 4:
        return "/path/" + rng.choice(PATH_SEGMENTS)
    if kind == 5:
        return "/uuid/" + rng.choice(UUIDS)
    if kind == 6:
        return "/any/" + rng.choice(["red", "green", "blue", "RED", ""])
    if kind == 7:
        return "/api/v1/items/" + rng.choice(INT_SEGMENTS[:6])
    if kind == 8:
        return "/static/" + rng.choice(
            [
                "style.css",
                "app.js",
                "data.json",
                "sub/page.txt",
                "empty.txt",
                "out",
                "in.css",
                "../secret.txt",
                "%2e%2e/secret.txt",
                "nope.css",
                "sub/",
                "sub",
                "",
                "/etc/passwd",
                "sub/../style.css",
                "STYLE.CSS",
            ]
        )
    if kind == 9:
        return rng.choice(["/slash", "/slash/", "/slash//", "//slash/", "/Slash/"])
    if kind == 10:
        return "/session/" + rng.choice(
            [
                "get",
                "in",
                "len",
                "bool",
                "iter",
                "eq",
                "str",
                "none",
                "permanent",
                "big/100",
                "big/3000",
                "big/3900",
                "big/3950",
                "big/3960",
                "big/3970",
                "big/3980",
                "big/3990",
                "big/4000",
                "big/4050",
                "big/4100",
                "big/5000",
            ]
        )
    if kind == 11:
        return rng.choice(
            [
                "/go",
                "/go/301",
                "/go/302",
                "/go/303",
                "/go/307",
                "/go/308",
                "/go/200",
                "/go/external",
                "/logout",
            ]
        )
    if kind == 12:
        return rng.choice(
            [
                "/abort/400",
                "/abort/401",
                "/abort/403",
                "/abort/404",
                "/abort/405",
                "/abort/409",
                "/abort/413",
                "/abort/418",
                "/abort/500",
                "/abort/503",
                "/abort/299",
                "/boom",
                "/teapot",
                "/unhandled",
                "/api/v1/fail",
            ]
        )
    if kind == 13 and rng.random() < 0.4:
        return rng.choice(
            [
                "/vary",
                "/multi-cookie",
                "/status/299",
                "/status/204",
                "/status/304",
                "/status/999",
                "/status/0",
                "/status/299 ODD",
                "/status/abc",
                "/send",
                "/conditional",
                "/urls",
                "/template",
                "/gen",
                "/none",
                "/modified",
                "/headers",
                "/abort-response",
                "/header-value",
                "/redirect-to",
                "/status-text",
            ]
        )
    if kind == 13:
        return rng.choice(
            [
                "/",
                "/args",
                "/cookies",
                "/stream",
                "/flashes",
                "/json/out",
                "/json/list",
                "/tuple",
                "/methods",
                "/items",
                "/async",
                "/login",
                "/echo",
            ]
        )
    if kind == 14:
        return rng.choice(["/session/set", "/flash", "/setcookie"])
    n = rng.randrange(1, 4)
    return b"/" + b"/".join(
        bytes(rng.choice(b"abc%/.\xc3\xa9\xff \x00~;") for _ in range(rng.randrange(6)))
        for _ in range(n)
    )


def _query_for(path: t.Any, rng: random.Random) -> str:
    if path == "/session/set":
        return rng.choice(["user=eve", "user=%ff", "a=1&b=2", "n=\xc3\xa9", ""])
    if path == "/flash":
        return rng.choice(["m=hi", "m=%3Cb%3E&c=error", "m=\xff", ""])
    if path == "/setcookie":
        return rng.choice(
            [
                "name=a&value=b",
                "name=a&value=%3B%20x",
                "name=%C3%A9&value=1",
                "samesite=Lax&secure=1",
                "samesite=Bogus",
                "max_age=x",
                "value=\xc3\xa9",
                "name=a%20b&value=c",
                "path=/x%0d%0ay",
            ]
        )
    if path == "/send":
        return rng.choice(
            [
                "",
                "attach=1",
                "name=r%C3%A9sum%C3%A9.txt&attach=1",
                "etag=0",
                "mimetype=application/json",
                "name=a%22b.txt&attach=1",
            ]
        )
    if path == "/header-value":
        return rng.choice(
            [
                "v=plain",
                "v=%C3%A9",
                "v=%E2%82%AC",
                "v=a%0Ab",
                "v=a%0Db",
                "v=%00",
                "v=%20x%20",
                "v=a%09b",
                "len=1",
                "len=999",
                "len=x",
                "v=\xff",
            ]
        )
    if path == "/redirect-to":
        return rng.choice(
            [
                "u=/x",
                "u=http://example.com/%C3%A9",
                "u=/%E2%82%AC?q=%C3%A9",
                "u=//evil.com",
                "u=/a%0Ab",
                "u=http://b%C3%BCcher.de/p",
                "u=",
                "u=/a b",
                "u=javascript:alert(1)",
                "u=%FF",
            ]
        )
    if path == "/status-text":
        return rng.choice(
            [
                "s=200",
                "s=201 Made",
                "s=299 %C3%A9",
                "s=abc",
                "s=999",
                "s=0",
                "s=-1",
                "s=200%0Ax",
                "s=42 Answer",
            ]
        )
    if path == "/vary":
        return rng.choice(["", "vary=Cookie", "vary=*", "vary=Accept,%20Cookie"])
    if path == "/stream":
        return rng.choice(["n=2&tag=t", "n=0", "n=x", "tag=%ff", ""])
    return rng.choice(QUERIES) if rng.random() < 0.5 else ""


def get_request(rng: random.Random) -> dict[str, t.Any]:
    path = _route_path(rng)
    method = rng.choices(
        ["GET", "HEAD", "OPTIONS", "POST", "DELETE", "PUT", "BREW", "get"],
        [30, 5, 4, 3, 2, 2, 1, 1],
    )[0]
    headers: list[tuple[str, str]] = []
    if rng.random() < 0.35:
        headers.append(("Cookie", session_cookie(rng)))
    if rng.random() < 0.15:
        headers.append(
            rng.choice(
                [
                    ("Range", "bytes=0-3"),
                    ("Range", "bytes=5-2"),
                    ("Range", "bytes=-5"),
                    ("Range", "bytes=0-0,2-3"),
                    ("If-None-Match", '"x"'),
                    ("If-Modified-Since", "Tue, 01 Jan 2030 00:00:00 GMT"),
                    ("If-Modified-Since", "garbage"),
                    ("Accept", "application/json"),
                    ("Accept-Encoding", "gzip"),
                    ("X-Forwarded-Host", "evil.com"),
                    ("Origin", "http://x"),
                    ("Content-Type", "application/json"),
                    ("If-None-Match", '"fixed"'),
                    ("If-None-Match", "*"),
                    ("If-Range", '"fixed"'),
                    ("If-Modified-Since", "Sun, 13 Sep 2020 12:26:40 GMT"),
                    ("Accept", "text/html;q=0.5, */*;q=x"),
                    ("X-Forwarded-Proto", "https"),
                    ("Range", "bytes=90-"),
                    ("Range", "lines=1-2"),
                ]
            )
        )
    host: str | None = "localhost"
    if rng.random() < 0.1:
        host = rng.choice(HOSTS)
    elif rng.random() < 0.02:
        host = None
    rv = spec(
        path,
        method,
        _query_for(path, rng),
        headers,
        host=host,
        app=rng.choice(["main", "main", "main", "custom", "strkey"]),
    )
    return _vary_environ(rv, rng) if rng.random() < 0.2 else rv


def host_request(rng: random.Random) -> dict[str, t.Any]:
    """A malformed or unusual Host against a page whose hooks, templates and
    error pages call ``url_for``."""
    path = rng.choice(
        [
            "/",
            "/args",
            "/abort/400",
            "/abort/404",
            "/nope",
            "/go",
            "/go/external",
            "/boom",
            "/api/v1/items/3",
            "/stream",
            "/static/style.css",
            "/json/out",
        ]
    )
    headers: list[tuple[str, str]] = []
    if rng.random() < 0.3:
        headers.append(("Cookie", session_cookie(rng)))
    return spec(
        path,
        rng.choice(["GET", "GET", "HEAD", "POST"]),
        rng.choice(["", "x=1", "bounce=1"]),
        headers,
        host=rng.choice(HOSTS),
        app=rng.choice(["main", "custom"]),
    )


LEAN_PATHS = [
    "/",
    "/text",
    "/json",
    "/list",
    "/int/7",
    "/int/x",
    "/path/a/b",
    "/path/%C3%A9",
    "/request",
    "/session/get",
    "/session/set",
    "/g",
    "/tuple",
    "/status/204",
    "/status/418",
    "/abort/404",
    "/abort/400",
    "/boom",
    "/handled",
    "/redirect",
    "/after",
    "/stream",
    "/none",
    "/response",
    "/sync",
    "/headers",
    "/located",
    "/jsonify",
    "/hooked/",
    "/hooked",
    "/nope",
    "//json",
]


def lean_request(rng: random.Random) -> dict[str, t.Any]:
    """The app without app-wide hooks (the ASGI door's lean path; with sync
    views, the one where ``wsgi_app`` calls the view itself): mostly plain
    GETs, repeated (so that routes are remembered), some with cookies,
    other methods, bodies or hosts."""
    path = rng.choice(LEAN_PATHS)
    method = rng.choices(
        ["GET", "HEAD", "OPTIONS", "POST", "DELETE", "get"], [40, 3, 2, 3, 2, 1]
    )[0]
    headers: list[tuple[str, str]] = []
    if rng.random() < 0.25:
        headers.append(("Cookie", session_cookie(rng)))
    if rng.random() < 0.2:
        headers.append(("User-Agent", rng.choice(["wrk", "é", "a, b"])))
    body = b""
    if method in ("POST", "DELETE") and rng.random() < 0.5:
        body = rng.choice([b"x=1", b"\xff\x00", b"a" * 300])
    query = rng.choice(["", "", "x=1", "x=1&x=2&y=%C3%A9", "n=%FF", "user=bob"])
    host: str | None = "localhost"
    if rng.random() < 0.1:
        host = rng.choice(HOSTS)
    app = "lean" if rng.random() < 0.5 else "leansync"
    return spec(path, method, query, headers, body, host=host, app=app)


NAMED_HOSTS = [
    "example.com:8080",
    "EXAMPLE.COM:8080",
    "api.example.com:8080",
    "a.b.example.com:8080",
    "example.com",
    "example.com:80",
    "api.example.com",
    "localhost",
    "127.0.0.1:8080",
    "evil.com:8080",
    "example.com.evil.com:8080",
    "xn--bcher-kva.example.com:8080",
    "api.example.com:08080",
    "_.example.com:8080",
]


def named_request(rng: random.Random) -> dict[str, t.Any]:
    """The app with ``SERVER_NAME``, ``TRUSTED_HOSTS``, a subdomain route and
    non-default session cookie settings."""
    path = rng.choice(
        [
            "/",
            "/where",
            "/args",
            "/go/external",
            "/urls",
            "/nope",
            "/abort/400",
            "/static/style.css",
            "/api/v1/items/2",
            "/session/set",
            "/session/permanent",
            "/session/get",
            "/flash",
            "/modified",
            "/session/big/3990",
        ]
    )
    headers: list[tuple[str, str]] = []
    if rng.random() < 0.3:
        headers.append(("Cookie", session_cookie(rng)))
    host = rng.choice(NAMED_HOSTS) if rng.random() < 0.8 else rng.choice(HOSTS)
    rv = spec(
        path,
        rng.choice(["GET", "GET", "HEAD", "OPTIONS"]),
        _query_for(path, rng) or rng.choice(["", "x=1", "bounce=1"]),
        headers,
        host=host,
        app="named",
    )
    return _vary_environ(rv, rng)


def _vary_environ(rv: dict[str, t.Any], rng: random.Random) -> dict[str, t.Any]:
    """Sometimes mounted under a prefix (SCRIPT_NAME) or served over https."""
    if rng.random() < 0.3:
        rv["script"] = rng.choice(["/app", "/app/", "/pre fix", "/\xc3\xa9"])
    if rng.random() < 0.3:
        rv["scheme"] = "https"
    return rv


def generate(seed: int, count: int) -> list[dict[str, t.Any]]:
    """``count`` requests, the same for the same seed."""
    rng = random.Random(seed)
    makers = [get_request] * 12 + [body_request] * 6 + [host_request] * 2
    makers += [named_request, lean_request]
    return [rng.choice(makers)(rng) for _ in range(count)]
