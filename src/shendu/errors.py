"""One family of errors. Each is a ValueError or TypeError, so ``except ValueError`` still works.

A message says where (the layer or argument), what was expected, what came, and a hint:

>>> from shendu.errors import ShapeError
>>> try:
...     raise ShapeError("Dense 'dense': expected input with 100 features, got 99. Hint: ...")
... except ValueError as e:
...     print(type(e).__name__)
ShapeError
"""

from __future__ import annotations

from collections.abc import Iterable


class ShenduError(Exception):
    """Base of every error shendu raises on purpose."""


class ShapeError(ShenduError, ValueError):
    """An array or tensor has the wrong shape."""


class DataError(ShenduError, ValueError):
    """Values that cannot be trained on: NaN or inf, empty arrays, labels out of range."""


class DTypeError(ShenduError, TypeError):
    """An array of the wrong kind: strings, objects, complex numbers."""


class ArgumentError(ShenduError, ValueError):
    """A bad argument value (batch_size <= 0, validation_split outside [0, 1), ...)."""


class UnknownNameError(ShenduError, ValueError):
    """A name (activation, loss, optimizer, metric, layer class) that shendu does not know."""


class NotCompiledError(ShenduError, ValueError):
    """fit / evaluate called before compile."""


class NotBuiltError(ShenduError, ValueError):
    """A model or layer used before its input shape is known."""


class FileFormatError(ShenduError, ValueError):
    """A model file that is corrupt, truncated, hostile, or was not written by shendu."""


def unknown_name(kind: str, name: object, known: Iterable[str], hint: str = "") -> UnknownNameError:
    """Build an UnknownNameError with a did-you-mean suggestion."""
    known = sorted(set(known))
    import difflib  # only when an error message is built

    close = difflib.get_close_matches(str(name).lower(), known, n=3, cutoff=0.6)
    guess = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    tail = f" {hint}" if hint else ""
    listing = ", ".join(known)
    plural = kind + ("es" if kind.endswith("s") else "s")
    return UnknownNameError(f"Unknown {kind} {name!r}.{guess} Known {plural}: {listing}.{tail}")
