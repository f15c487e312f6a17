"""Checks for the number arguments of constructors (penalties, bounds, rates, gains).

Each check returns the value as a float or raises an :class:`~shendu.errors.ArgumentError`
that names the owner and the argument, says the range, shows what came, and gives a hint.

>>> number_arg(0.5, "L2", "l2", low=0.0, hint="l2=0.01")
0.5
>>> number_arg(-1, "L2", "l2", low=0.0, hint="l2=0.01")
Traceback (most recent call last):
...
shendu.errors.ArgumentError: L2: l2 must be a finite number >= 0.0, got -1. Hint: l2=0.01.
"""

from __future__ import annotations

import math
import numbers

from .errors import ArgumentError


def number_arg(value, owner: str, name: str, *, low: float | None = None,
               high: float | None = None, low_open: bool = False, high_open: bool = False,
               hint: str) -> float:
    """``value`` as a float when it is a finite real number within the given bounds."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(value)
          and (low is None or (value > low if low_open else value >= low))
          and (high is None or (value < high if high_open else value <= high)))
    if not ok:
        raise ArgumentError(
            f"{owner}: {name} must be a finite number{_range(low, high, low_open, high_open)}, "
            f"got {value!r}. Hint: {hint}."
        )
    return float(value)


def _range(low, high, low_open, high_open) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""
