"""itsdangerous signing without per-call set-up, for session cookies.

The output is exactly itsdangerous' (so cookies stay interchangeable with
Flask's); only repeated work is cached: the signer objects, the derived
signing keys and the keyed HMAC state, which is copied instead of rebuilt.
"""

from __future__ import annotations

import hmac
import typing as t

from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.signer import HMACAlgorithm

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

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = self._derived.get(key)
        if derived is None:
            derived = super().derive_key(secret_key)
            if len(self._derived) < _MAX_KEYS:
                self._derived[key] = derived
        return derived


class CachedSignerSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that reuses its signer for each salt."""

    default_signer = CachedKeySigner

    def make_signer(self, salt: str | bytes | None = None) -> t.Any:
        cache: dict[t.Any, t.Any] = self.__dict__.setdefault("_signers", {})
        signer = cache.get(salt)
        if signer is None:
            signer = cache[salt] = super().make_signer(salt)
        return signer
