"""Canonical JSON exactly as zpol's TypeScript writes it (runtime/run/files.ts `canonicalJson`), and atomic writes
as base/atomic-write.ts does them.

- Object keys sorted by UTF-16 code units.
- Numbers as JavaScript's `JSON.stringify` spells them: integers in full, other floats in the shortest round-trip
  digits, with an exponent only below 1e-6 or from 1e21 up (`1e-7`, `1.5e+21`); NaN and infinities refused.
- Strings as `JSON.stringify` escapes them (`\\"`, `\\\\`, `\\b \\f \\n \\r \\t`, other controls as `\\u00XX`),
  other characters as they are, in UTF-8.
- `pretty`: two-space indentation, arrays of scalars on one line (`[16, 4]`), a final newline.
"""

import json
import math
import os

_counter = [0]


class CanonicalJsonError(ValueError):
    """A value that has no canonical JSON form; the message names its path."""


def js_number(x, at="$"):
    """A number as JavaScript's Number.prototype.toString writes it."""
    if isinstance(x, bool):
        raise CanonicalJsonError(f"{at}: a boolean is not a number")
    if isinstance(x, int):
        if abs(x) > 2**53:
            raise CanonicalJsonError(f"{at}: {x} is not exactly representable as a JavaScript number")
        return str(x)
    if not math.isfinite(x):
        raise CanonicalJsonError(f"{at}: {x} cannot be written in JSON")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n: the decimal point's position relative to the start of `digits` (ECMA-262 Number::toString).
    n = len(whole) + (int(exp) if exp else 0)
    if whole == "0":
        n = -(len(frac) - len(frac.lstrip("0"))) + (int(exp) if exp else 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    body = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{body}e{'+' if e >= 0 else '-'}{abs(e)}"


def _utf16_key(s):
    return s.encode("utf-16-be", "surrogatepass")


def _scalar(v, at):
    if v is None or isinstance(v, bool):
        return json.dumps(v)
    if isinstance(v, (int, float)):
        return js_number(v, at)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    raise CanonicalJsonError(f"{at}: {type(v).__name__} cannot be written in JSON")


def _items(obj, at):
    for k in obj:
        if not isinstance(k, str):
            raise CanonicalJsonError(f"{at}: object key {k!r} is not a string")
    return [(k, obj[k]) for k in sorted(obj, key=_utf16_key)]


def _compact(v, at):
    if isinstance(v, dict):
        items = _items(v, at)
        return "{" + ",".join(f"{_scalar(k, at)}:{_compact(x, f'{at}/{k}')}" for k, x in items) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_compact(x, f"{at}/{i}") for i, x in enumerate(v)) + "]"
    return _scalar(v, at)


def _pretty(v, indent, at):
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        if all(not isinstance(x, (dict, list, tuple)) for x in v):
            return "[" + ", ".join(_scalar(x, f"{at}/{i}") for i, x in enumerate(v)) + "]"
        inner = indent + "  "
        body = ",\n".join(inner + _pretty(x, inner, f"{at}/{i}") for i, x in enumerate(v))
        return "[\n" + body + "\n" + indent + "]"
    if isinstance(v, dict):
        items = _items(v, at)
        if not items:
            return "{}"
        inner = indent + "  "
        body = ",\n".join(f"{inner}{_scalar(k, at)}: {_pretty(x, inner, f'{at}/{k}')}" for k, x in items)
        return "{\n" + body + "\n" + indent + "}"
    return _scalar(v, at)


def canonical_json(value, pretty=False):
    """Canonical JSON text; `pretty` is the run directory's form (indented, final newline)."""
    return _pretty(value, "", "$") + "\n" if pretty else _compact(value, "$")


def write_atomic(path, data):
    """Writes bytes (or text, as UTF-8) to `path` atomically: `.NAME.PID.N.tmp` beside it, fsync, rename, fsync
    the directory. A reader, or a writer killed at any moment, sees the old file or the new one, never half."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    d, name = os.path.split(path)
    tmp = os.path.join(d, f".{name}.{os.getpid()}.{_counter[0]}.tmp")
    _counter[0] += 1
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dfd = os.open(d or ".", os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def remove_stale_temps(d):
    """Deletes the temporary files a killed writer left in directory `d` (hidden names ending in .tmp)."""
    for name in os.listdir(d):
        if name.startswith(".") and name.endswith(".tmp"):
            os.unlink(os.path.join(d, name))
