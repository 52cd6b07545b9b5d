"""itsdangerous signing without per-call set-up, for session cookies.

The signer and serializer classes cache repeated work (the signer objects,
the derived signing keys and the keyed HMAC state, copied instead of
rebuilt). :class:`SessionCodec` writes itsdangerous' format in one pass;
its cookies equal itsdangerous' byte for byte except where the payload is
compressed (see :func:`_compress`), and either side reads the other's, so
cookies stay interchangeable with Flask's.
"""

from __future__ import annotations

import binascii
import hmac
import typing as t
import zlib

from itsdangerous import BadPayload
from itsdangerous import BadSignature
from itsdangerous import BadTimeSignature
from itsdangerous import Serializer
from itsdangerous import SignatureExpired
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode
from itsdangerous.encoding import base64_encode
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm

from .sessions import _MAX_PAYLOAD_SIZE

#: Keys are few (current key plus fallbacks); the bound only guards misuse.
_MAX_KEYS = 32


class PreparedHMAC(HMACAlgorithm):
    """HMAC that keys a hash object once per key and copies it per message."""

    def __init__(self, digest_method: t.Any = None) -> None:
        super().__init__(digest_method)
        self._keyed: dict[bytes, t.Any] = {}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        keyed = self._keyed.get(key)
        if keyed is None:
            keyed = hmac.new(key, digestmod=self.digest_method)
            if len(self._keyed) < _MAX_KEYS:
                self._keyed[key] = keyed
        mac = keyed.copy()
        mac.update(value)
        return mac.digest()


class CachedKeySigner(TimestampSigner):
    """A timestamp signer that derives each secret key's signing key once."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self.algorithm) is HMACAlgorithm:
            self.algorithm = PreparedHMAC(self.digest_method)
        self._derived: dict[bytes | None, bytes] = {}

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        """Like itsdangerous, but only the canonical spelling of a signature
        is accepted (no padding, ``+``/``/`` or stray characters, unused
        bits zero), so a signed value has exactly one valid form."""
        sig = want_bytes(sig)
        try:
            canonical = base64_encode(base64_decode(sig)) == sig
        except Exception:
            return False
        return canonical and super().verify_signature(value, sig)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = self._derived.get(key)
        if derived is None:
            derived = super().derive_key(secret_key)
            if len(self._derived) < _MAX_KEYS:
                self._derived[key] = derived
        return derived


#: The most a compressed session payload may inflate to, in bytes. A 4 kB
#: cookie can otherwise expand to megabytes (a "zip bomb") before the
#: signature's data is even parsed; over it, the cookie is a bad cookie.
MAX_PAYLOAD_SIZE = _MAX_PAYLOAD_SIZE


def _inflate(data: bytes, limit: int) -> bytes:
    """``zlib.decompress(data)``, but raise ``ValueError`` as soon as the
    output would exceed ``limit`` bytes instead of inflating all of it.
    Accepts and rejects what ``zlib.decompress`` does below the limit
    (bytes after the end of the stream are ignored, a cut stream fails)."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit:
        raise ValueError(f"The session payload inflates to over {limit} bytes.")
    if not inflater.eof:
        raise zlib.error("incomplete or truncated stream")
    return out


class CachedSignerSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that reuses its signer for each salt and
    bounds decompression to :attr:`max_payload_size`."""

    default_signer = CachedKeySigner
    max_payload_size = MAX_PAYLOAD_SIZE

    def load_payload(self, payload: bytes, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if payload[:1] != b".":
            return super().load_payload(payload, *args, **kwargs)
        try:
            data = _inflate(base64_decode(payload[1:]), self.max_payload_size)
        except Exception as e:
            raise BadPayload(
                "Could not decode and decompress the payload", original_error=e
            ) from e
        # Past the URL-safe layer (done above) to the JSON loading.
        return Serializer.load_payload(self, data, *args, **kwargs)

    def make_signer(self, salt: str | bytes | None = None) -> t.Any:
        cache: dict[t.Any, t.Any] = self.__dict__.setdefault("_signers", {})
        signer = cache.get(salt)
        if signer is None:
            signer = cache[salt] = super().make_signer(salt)
        return signer


def _now() -> int:
    # Looked up on each call: tests patch itsdangerous' clock to make old or
    # future cookies, and that must keep working for session cookies.
    return TimestampSigner.get_timestamp(None)  # type: ignore[arg-type]


def _compress(data: bytes) -> bytes:
    """zlib-compress ``data``.

    Inputs over :data:`_SMALL` bytes use ``zlib.compress``. A smaller input
    gets a 512-byte window and a small hash table instead, which avoids
    setting up ~256 KB of compressor state (more than the whole rest of a
    request costs). The result is a valid zlib stream of the same data that
    any zlib reader, real Flask's included, decompresses, but its bytes are
    not ``zlib.compress``'s: the header records the smaller window, and the
    smaller hash table often makes the compressor choose other matches, so
    the deflate data, and often its length, differs too (which can also
    change whether compressing pays off). Nothing compares compressed
    bytes: a cookie is checked by its signature over the bytes it carries.
    """
    if len(data) > _SMALL:
        return zlib.compress(data)
    c = zlib.compressobj(6, zlib.DEFLATED, 9, 4)
    return c.compress(data) + c.flush()


#: The window of the small compressor (2**9 bytes): inputs up to this size
#: see every earlier byte, as with the default 32 KB window.
_SMALL = 512


#: URL-safe base64 alphabet to the standard one and back.
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64encode(data: bytes) -> bytes:
    """URL-safe base64 without padding (``base64.urlsafe_b64encode`` minus
    its wrapper layers, which show up per cookie)."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def _b64decode(data: bytes) -> bytes:
    """Decode URL-safe base64, padding optional; like ``urlsafe_b64decode``,
    characters outside the alphabet are skipped."""
    return binascii.a2b_base64(data.translate(_FROM_URLSAFE) + b"=" * (-len(data) % 4))


class SessionCodec:
    """Sign and serialize session data in itsdangerous' URL-safe timed
    format in one pass (the same bytes, except that a small payload that is
    compressed is compressed differently; see :func:`_compress`).

    ``URLSafeTimedSerializer`` goes through several layers of generic code
    per cookie (signer lookup, key derivation, payload and timestamp
    handling). The session needs one fixed configuration, so this does the
    same steps directly with keyed HMAC objects prepared once. Any failure
    while loading raises an itsdangerous ``BadData`` subclass, as the
    serializer does.
    """

    __slots__ = ("_keyed", "_max_payload", "_serializer")

    def __init__(
        self,
        secret_keys: t.Sequence[str | bytes],
        salt: str | bytes,
        digest_method: t.Any,
        serializer: t.Any,
        max_payload_size: int = MAX_PAYLOAD_SIZE,
    ) -> None:
        salt_bytes = salt.encode() if isinstance(salt, str) else salt
        keyed: list[hmac.HMAC] = []
        # The current key (last) signs; every key is tried, newest first.
        for key in reversed(secret_keys):
            key_bytes = key.encode() if isinstance(key, str) else bytes(key)
            derived = hmac.new(key_bytes, salt_bytes, digest_method).digest()
            keyed.append(hmac.new(derived, digestmod=digest_method))
        self._keyed = keyed
        self._serializer = serializer
        self._max_payload = max_payload_size

    def dumps(self, obj: t.Any) -> str:
        """Serialize, compress if that helps, timestamp and sign ``obj``."""
        json = self._serializer.dumps(obj).encode()
        compressed = _compress(json)
        if len(compressed) < len(json) - 1:
            payload = b"." + _b64encode(compressed)
        else:
            payload = _b64encode(json)
        now = _now()
        stamp = _b64encode(now.to_bytes(max(1, (now.bit_length() + 7) // 8), "big"))
        value = payload + b"." + stamp
        mac = self._keyed[0].copy()
        mac.update(value)
        return (value + b"." + _b64encode(mac.digest())).decode("ascii")

    def loads(self, signed: str, max_age: int | None) -> t.Any:
        """Verify ``signed`` with any of the keys, check its age, and load it."""
        data = signed.encode("utf-8", "surrogateescape")
        value, sep, sig_text = data.rpartition(b".")
        if not sep:
            raise BadSignature("No '.' found in value")
        try:
            sig = _b64decode(sig_text)
        except (binascii.Error, ValueError):
            sig = b""
        for keyed in self._keyed:
            mac = keyed.copy()
            mac.update(value)
            if hmac.compare_digest(sig, mac.digest()):
                break
        else:
            raise BadSignature("Signature does not match", payload=value)
        # _b64encode(sig), inlined.
        canonical = binascii.b2a_base64(sig, newline=False).translate(_TO_URLSAFE)
        if canonical.rstrip(b"=") != sig_text:
            # Only the one spelling our signer produces is valid.
            raise BadSignature("Signature is not canonical", payload=value)
        payload, sep, stamp = value.rpartition(b".")
        if not sep:
            raise BadTimeSignature("timestamp missing", payload=value)
        try:
            stamp_bytes = _b64decode(stamp)
        except (binascii.Error, ValueError):
            stamp_bytes = b""
        if not stamp_bytes or len(stamp_bytes) > 8:
            raise BadTimeSignature("Malformed timestamp", payload=payload)
        if max_age is not None:
            age = _now() - int.from_bytes(stamp_bytes, "big")
            if age > max_age or age < 0:
                raise SignatureExpired(f"Signature age {age}", payload=payload)
        try:
            if payload[:1] == b".":
                json = _inflate(_b64decode(payload[1:]), self._max_payload)
            else:
                json = _b64decode(payload)
            return self._serializer.loads(json.decode("utf-8"))
        except Exception as e:
            raise BadPayload("Could not load the session data", original_error=e) from e
