"""The differential suite's requests as the bytes a client sends.

A spec of ``tests/differential/diff_requests.py`` describes a WSGI environ:
``path`` is ``PATH_INFO`` (already percent-decoded) and ``query`` is the raw
``QUERY_STRING``, both as latin-1 strings. :func:`wire_bytes` writes the
request that makes a server build that environ: the path percent-encoded
(so ``%`` itself is sent as ``%25``), the query string byte for byte (bytes
a request line cannot carry are sent anyway: the servers decide), the
headers in order with their latin-1 bytes, and the body with a
``Content-Length`` or chunked.

:func:`generate` takes the suite's requests for a seed and changes some of
them in ways that only exist on the wire (``wire`` in the spec, see
:data:`MUTATIONS`): repeated headers, obsolete line folding, both framings,
``Expect: 100-continue``, HTTP/1.0, an absolute-form target, bare LF line
ends, header names with ``_``...
"""

from __future__ import annotations

import base64
import random
import typing as t
from urllib.parse import quote_from_bytes

from diff_requests import generate as generate_specs

Spec = dict[str, t.Any]

#: characters of a path segment sent as they are (RFC 3986 pchar and "/")
PATH_SAFE = "/!$&'()*+,;=:@"


def body_of(spec: Spec) -> bytes:
    return base64.b64decode(spec["body"])


def header(spec: Spec, name: str) -> str | None:
    for key, value in spec["headers"]:
        if key.lower() == name.lower():
            return t.cast(str, value)
    return None


def target_of(spec: Spec) -> bytes:
    """The request target: the path percent-encoded, the raw query."""
    wire = spec.get("wire", {})
    if "target" in wire:
        return t.cast(str, wire["target"]).encode("latin-1")
    rv = quote_from_bytes(spec["path"].encode("latin-1"), PATH_SAFE).encode()
    query = spec["query"].encode("latin-1")
    return rv + b"?" + query if query else rv


def declared_length(spec: Spec) -> int | None:
    """The body length the request announces, if it is a valid number."""
    value = header(spec, "Content-Length")
    if value is None or spec["chunked"]:
        return None
    value = value.strip(" \t")
    return int(value) if value.isdigit() else None


def sends_short_body(spec: Spec) -> bool:
    """Whether fewer body bytes are sent than announced (the client then
    shuts its side of the connection down, which is how a body that stops
    early looks on the wire)."""
    length = declared_length(spec)
    return length is not None and length > len(body_of(spec))


def chunked(body: bytes, sizes: list[int], ext: str = "", trailer: str = "") -> bytes:
    """``body`` in chunks of ``sizes`` (the rest in one more), then the
    terminating chunk and the trailer section."""
    out = []
    rest = body
    for size in [*sizes, len(body)]:
        part, rest = rest[:size], rest[size:]
        if part:
            out.append(b"%x%s\r\n%s\r\n" % (len(part), ext.encode(), part))
    return b"".join(out) + b"0\r\n" + trailer.encode("latin-1") + b"\r\n"


def wire_bytes(spec: Spec) -> bytes:
    """All the bytes of the request."""
    wire = spec.get("wire", {})
    eol = wire.get("eol", "\r\n").encode()
    version = wire.get("version", "HTTP/1.1").encode()
    lines = [b"%s %s %s" % (spec["method"].encode("latin-1"), target_of(spec), version)]
    for name, value in spec["headers"]:
        lines.append(f"{name}: {value}".encode("latin-1"))
    lines += [h.encode("latin-1") for h in wire.get("lines", [])]
    lines.append(f"X-Diff-App: {spec['app']}".encode())
    if spec.get("script") is not None:
        script = quote_from_bytes(spec["script"].encode("latin-1"), "/")
        lines.append(f"X-Diff-Script: {script}".encode())
    if spec.get("scheme"):
        lines.append(f"X-Diff-Scheme: {spec['scheme']}".encode())
    body = body_of(spec)
    if spec["chunked"]:
        if not wire.get("te_given"):
            lines.append(b"Transfer-Encoding: chunked")
        body = chunked(
            body, wire.get("chunks", []), wire.get("ext", ""), wire.get("trailer", "")
        )
    return eol.join(lines) + eol + eol + body


def _chunk_sizes(rng: random.Random, size: int) -> list[int]:
    if size == 0:
        return []
    return [rng.randrange(1, size + 1) for _ in range(rng.randrange(0, 4))]


def _dup_cookie(spec: Spec, rng: random.Random) -> None:
    """Two ``Cookie`` headers (HTTP/2 sends cookies one per field)."""
    cookie = header(spec, "Cookie") or "a=1; b=2"
    first, _, second = cookie.partition(";")
    spec["headers"] = [h for h in spec["headers"] if h[0].lower() != "cookie"]
    spec["headers"] += [["Cookie", first], ["Cookie", second.strip() or "c=3"]]
    spec["path"] = rng.choice(["/cookies", "/session/get", spec["path"]])


def _dup_header(spec: Spec, rng: random.Random) -> None:
    """A repeated header the app reads as a list."""
    spec["headers"] += [
        ["Accept", "text/html"],
        ["Accept", rng.choice(["application/json", "*/*;q=0.1", ""])],
    ]
    spec["path"] = rng.choice(["/urls", spec["path"]])


def _name_case(spec: Spec, rng: random.Random) -> None:
    change = rng.choice([str.lower, str.upper])
    spec["headers"] = [[change(k), v] for k, v in spec["headers"]]


def _http10(spec: Spec, rng: random.Random) -> None:
    spec["wire"]["version"] = "HTTP/1.0"
    if rng.random() < 0.5:
        spec["headers"] = [h for h in spec["headers"] if h[0] != "Host"]


def _absolute_form(spec: Spec, rng: random.Random) -> None:
    host = header(spec, "Host") or "localhost"
    scheme = rng.choice(["http", "https"])
    # mounting is emulated by putting the prefix in front of the raw path,
    # as uvicorn's --root-path does, which an absolute-form target breaks
    spec.pop("script", None)
    spec["wire"]["target"] = f"{scheme}://{host}" + target_of(spec).decode("latin-1")


def _obs_fold(spec: Spec, rng: random.Random) -> None:
    spec["wire"]["lines"] = ["X-Folded: first", rng.choice([" second", "\tsecond"])]


def _both_framings(spec: Spec, rng: random.Random) -> None:
    body = body_of(spec)
    spec["chunked"] = True
    spec["headers"] = [h for h in spec["headers"] if h[0] != "Content-Length"]
    spec["headers"].append(["Content-Length", str(len(body))])
    spec["wire"]["chunks"] = _chunk_sizes(rng, len(body))


def _transfer_coding(spec: Spec, rng: random.Random) -> None:
    body = body_of(spec)
    spec["chunked"] = True
    spec["headers"] = [h for h in spec["headers"] if h[0] != "Content-Length"]
    spec["wire"]["te_given"] = True
    spec["wire"]["chunks"] = _chunk_sizes(rng, len(body))
    value = rng.choice(["Chunked", "chunked, chunked", "gzip, chunked", " chunked"])
    spec["headers"].append(["Transfer-Encoding", value])


def _chunk_extras(spec: Spec, rng: random.Random) -> None:
    body = body_of(spec)
    spec["chunked"] = True
    spec["headers"] = [h for h in spec["headers"] if h[0] != "Content-Length"]
    spec["wire"]["chunks"] = _chunk_sizes(rng, len(body))
    spec["wire"]["ext"] = rng.choice(["", ";a=b", ';n="q"'])
    spec["wire"]["trailer"] = rng.choice(["", "X-Trailer: 1\r\n"])


def _expect(spec: Spec, rng: random.Random) -> None:
    spec["headers"].append(["Expect", rng.choice(["100-continue", "100-Continue"])])


def _underscore(spec: Spec, rng: random.Random) -> None:
    """A header name with ``_``, which both kinds of server drop."""
    spec["headers"].append(
        rng.choice(
            [
                ["X_Forwarded_Proto", "https"],
                ["Content_Type", "application/json"],
                ["X_Forwarded_Host", "evil.com"],
            ]
        )
    )
    spec["path"] = rng.choice(["/urls", "/args", spec["path"]])


def _bare_lf(spec: Spec, rng: random.Random) -> None:
    spec["wire"]["eol"] = "\n"


def _space_before_colon(spec: Spec, rng: random.Random) -> None:
    spec["wire"]["lines"] = ["X-Odd : 1"]


def _long_header(spec: Spec, rng: random.Random) -> None:
    spec["headers"].append(["X-Long", "a" * rng.choice([4000, 9000, 20000])])


def _whitespace(spec: Spec, rng: random.Random) -> None:
    """Spaces and tabs around header values (not part of the value)."""
    pad = rng.choice([" ", "\t", "  \t"])
    spec["headers"] = [[k, f"{pad}{v}{pad}"] for k, v in spec["headers"]]


def _fragment(spec: Spec, rng: random.Random) -> None:
    spec["wire"]["target"] = target_of(spec).decode("latin-1") + "#frag"


def _asterisk(spec: Spec, rng: random.Random) -> None:
    spec["method"] = "OPTIONS"
    spec["wire"]["target"] = "*"


def _dup_length(spec: Spec, rng: random.Random) -> None:
    length = str(len(body_of(spec)))
    spec["headers"] = [h for h in spec["headers"] if h[0] != "Content-Length"]
    spec["chunked"] = False
    spec["headers"] += rng.choice(
        [
            [["Content-Length", length], ["Content-Length", length]],
            [["Content-Length", f"{length}, {length}"]],
            [["Content-Length", length], ["Content-Length", length + "0"]],
            [["Content-Length", f"+{length}"]],
        ]
    )


#: name -> change of a spec that only exists on the wire
MUTATIONS: dict[str, t.Callable[[Spec, random.Random], None]] = {
    "dup_cookie": _dup_cookie,
    "dup_header": _dup_header,
    "name_case": _name_case,
    "http10": _http10,
    "absolute_form": _absolute_form,
    "obs_fold": _obs_fold,
    "both_framings": _both_framings,
    "transfer_coding": _transfer_coding,
    "chunk_extras": _chunk_extras,
    "expect": _expect,
    "underscore": _underscore,
    "bare_lf": _bare_lf,
    "space_before_colon": _space_before_colon,
    "long_header": _long_header,
    "whitespace": _whitespace,
    "fragment": _fragment,
    "asterisk": _asterisk,
    "dup_length": _dup_length,
}

#: the share of the suite's requests changed by one of :data:`MUTATIONS`
MUTATED = 0.2


def mutate(spec: Spec, name: str, rng: random.Random) -> Spec:
    """A copy of ``spec`` changed by the mutation ``name``."""
    rv = {**spec, "headers": [list(h) for h in spec["headers"]]}
    rv["wire"] = {**spec.get("wire", {}), "mutation": name}
    MUTATIONS[name](rv, rng)
    return rv


def generate(seed: int, count: int) -> list[Spec]:
    """``count`` requests for ``seed``: the differential suite's requests
    for the same seed, chunk sizes chosen, a share of them mutated."""
    rng = random.Random(f"wire {seed}")
    rv = []
    for spec in generate_specs(seed, count):
        spec = {**spec, "wire": {"chunks": _chunk_sizes(rng, len(body_of(spec)))}}
        if rng.random() < MUTATED:
            spec = mutate(spec, rng.choice(sorted(MUTATIONS)), rng)
        rv.append(spec)
    return rv
