"""Ed25519 signatures (RFC 8032, section 5.1) in pure Python: an anchor that signs step observations, as
runtime/run/anchor.ts does with Node's crypto. Signing is deterministic, so a run recorded twice with the same
key is byte-identical. This is for recording runs from Python (the demo's public key, tests); it is not
constant-time, so a real anchor's secret key should not be handled by it."""

import hashlib

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y, sign):
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if x & 1 != sign:
        x = _P - x
    return x


_BY = 4 * pow(5, _P - 2, _P) % _P
_BX = _recover_x(_BY, 0)
_BASE = (_BX, _BY, 1, _BX * _BY % _P)


def _add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s, p):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _encode(p):
    zi = pow(p[2], _P - 2, _P)
    x, y = p[0] * zi % _P, p[1] * zi % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _sha512_int(*parts):
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little")


class Ed25519Anchor:
    """An anchor holding the Ed25519 private key whose 32-byte seed is `seed`."""

    def __init__(self, seed):
        if len(seed) != 32:
            raise ValueError(f"an Ed25519 seed is 32 bytes, got {len(seed)}")
        h = hashlib.sha512(bytes(seed)).digest()
        a = int.from_bytes(h[:32], "little")
        a &= (1 << 254) - 8
        a |= 1 << 254
        self._a = a
        self._prefix = h[32:]
        self._public = _encode(_mul(a, _BASE))

    @property
    def public_key(self):
        """The public key, 64 hex digits (RFC 8032 encoding)."""
        return self._public.hex()

    def sign(self, message):
        """The 64-byte signature of `message`."""
        message = bytes(message)
        r = _sha512_int(self._prefix, message) % _L
        big_r = _encode(_mul(r, _BASE))
        k = _sha512_int(big_r, self._public, message) % _L
        return big_r + ((r + k * self._a) % _L).to_bytes(32, "little")


def demo_anchor():
    """zpol's demo anchor (demo/record.ts `demoAnchor`): its seed is BLAKE3 of a public string, so anyone can
    sign with it. It exercises the format and proves nothing; a real anchor keeps its key to itself."""
    from .blake3 import blake3

    return Ed25519Anchor(blake3(b"zpol demo anchor: a public key for demonstrations, not a secret"))
