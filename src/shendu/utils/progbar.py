"""Keras's ``keras.utils.Progbar``: a progress bar for loops of your own, drawn with tqdm.

Values passed to :meth:`Progbar.update` are averaged over the steps they cover (each weighted by
how many steps it stands for), except the names in ``stateful_metrics``, shown as given. tqdm
is imported when the first bar is drawn, never by ``import shendu.utils``.

>>> bar = Progbar(3, verbose=0)
>>> for step in range(1, 4):
...     bar.update(step, values=[("loss", float(step))])
>>> bar.average("loss")
3.0
"""

from __future__ import annotations

import math
import numbers
import sys
import time
from collections.abc import Iterable, Mapping

import numpy as np

from ..errors import ArgumentError


def _format_value(value: float) -> str:
    # Keras's rule: four decimals, or scientific notation for tiny values
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_time(per_unit: float, unit_name: str) -> str:
    if per_unit >= 1 or per_unit == 0:
        return f"{per_unit:.0f}s/{unit_name}"
    if per_unit >= 1e-3:
        return f"{per_unit * 1e3:.0f}ms/{unit_name}"
    return f"{per_unit * 1e6:.0f}us/{unit_name}"


def _format_eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{seconds // 3600:.0f}:{(seconds % 3600) // 60:02.0f}:{seconds % 60:02.0f}"
    if seconds > 60:
        return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
    return f"{seconds:.0f}s"


def _count_arg(value, arg: str, where: str, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(value) and value >= 0):
        raise ArgumentError(
            f"{where}: {arg} must be a number >= 0{' or None' if allow_none else ''}, got "
            f"{value!r}. Hint: count steps (or samples) from 0, e.g. {arg}=10."
        )
    return value


class Progbar:
    """A progress bar: ``target`` steps (None when unknown), ``update(current, values)`` after
    each, as ``keras.utils.Progbar``.

    ``verbose=1`` draws a live bar with tqdm, at most once per ``interval`` seconds and always on
    the last step; ``verbose=2`` prints one line when the target is reached; ``verbose=0``
    prints nothing. Each value is shown as the average over the steps so far, except those
    named in ``stateful_metrics`` (shown as given), or, with ``stateless_metrics``, only those
    are averaged. As in Keras 3, the final update (``finalize``) shows the values it is given
    rather than the averages, because Keras's own loop passes running averages already.

    >>> bar = Progbar(4, verbose=0, stateful_metrics=["lr"])
    >>> bar.update(2, [("loss", 1.0), ("lr", 0.1)])   # one value standing for steps 1 and 2
    >>> bar.add(2, [("loss", 4.0), ("lr", 0.05)])     # and one for steps 3 and 4
    >>> bar.average("lr")
    0.05
    >>> bar = Progbar(None, verbose=0)
    >>> bar.update(1, [("loss", 1.0)]); bar.update(3, [("loss", 4.0)])
    >>> bar.average("loss")                            # (1·1 + 4·2) / 3
    3.0
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Iterable[str] | None = None,
                 stateless_metrics: Iterable[str] | None = None,
                 unit_name: str = "step") -> None:
        where = "Progbar"
        self.target = _count_arg(target, "target", where, allow_none=True)
        if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:
            raise ArgumentError(f"{where}: width must be a whole number >= 1, got {width!r}. "
                                "Hint: the bar's length in characters, e.g. width=20.")
        if verbose not in (0, 1, 2):
            raise ArgumentError(f"{where}: verbose must be 0, 1 or 2, got {verbose!r}. "
                                "Hint: 0 silent, 1 a live bar, 2 one line at the end.")
        _count_arg(interval, "interval", where)
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ArgumentError(
                f"{where}: pass stateful_metrics or stateless_metrics, not both (got "
                f"{stateful_metrics!r} and {stateless_metrics!r}). Hint: stateful_metrics lists "
                "the names shown as given; every other name is averaged."
            )
        if not isinstance(unit_name, str):
            raise ArgumentError(f"{where}: unit_name must be a str, got {unit_name!r}. "
                                "Hint: 'step' or 'sample'.")
        self.width, self.verbose, self.interval, self.unit_name = width, verbose, interval, \
            unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(
            stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._values: dict[str, list] = {}  # name -> [weighted sum, steps]
        self._values_order: list[str] = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._bar = None  # the tqdm bar, made when first drawn

    def _averaged(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def average(self, name: str) -> float:
        """The value shown for ``name``: its step-weighted average, or the last one given."""
        if name not in self._values:
            raise ArgumentError(
                f"Progbar.average: no values named {name!r} yet; known: {self._values_order}. "
                "Hint: pass values=[(name, value)] to update() first."
            )
        total, count = self._values[name]
        return float(np.mean(total)) / max(1, count)

    def _record(self, current, values, finalize: bool) -> None:
        pairs = values.items() if isinstance(values, Mapping) else (values or [])
        for pair in pairs:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(
                    pair[0], str)):
                raise ArgumentError(
                    f"Progbar.update: values must be (name, value) pairs, got {pair!r}. "
                    "Hint: values=[('loss', 0.25), ('accuracy', 0.9)]."
                )
            name, value = pair
            try:
                value = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise ArgumentError(
                    f"Progbar.update: value of {name!r} must be a number or an array of "
                    f"numbers, got {type(value).__name__} ({value!r}). Hint: pass float(x)."
                ) from None
            if name not in self._values_order:
                self._values_order.append(name)
            if self._averaged(name) and not finalize:
                # a value given at step `current` stands for the steps since the last update
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * steps, count + steps]
            else:
                self._values[name] = [value, 1]

    def _per_unit(self, current, now: float) -> float:
        """Seconds per step, leaving out the first step (often slow) once there are more."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit

    def _metrics_text(self) -> str:
        return "".join(f" - {k}: {_format_value(self.average(k))}" for k in self._values_order)

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Record that ``current`` steps are done, with ``values`` as ``[(name, value), ...]``
        for the latest step(s), and redraw. ``finalize`` (default: ``current >= target``) ends
        the bar."""
        _count_arg(current, "current", "Progbar.update")
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values, bool(finalize))
        self._seen_so_far = current
        now = time.time()
        per_unit = self._per_unit(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            print(f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s - "
                  f"{_format_time(per_unit, self.unit_name)}{self._metrics_text()}",
                  file=sys.stdout, flush=True)
        self._last_update = now

    def add(self, n: int, values=None) -> None:
        """:meth:`update` to ``n`` steps further than the last one."""
        _count_arg(n, "n", "Progbar.add")
        self.update(self._seen_so_far + n, values)

    def _draw(self, current, now: float, per_unit: float, finalize: bool) -> None:
        known = self.target is not None and self.target > 0
        if known and not finalize:
            clock = _format_eta(per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        text = f"{clock} {_format_time(per_unit, self.unit_name)}{self._metrics_text()}"
        if self._bar is None:
            from tqdm.auto import tqdm  # imported only when a bar is drawn

            bar_format = (f"{{n_fmt}}/{{total_fmt}} {{bar:{self.width}}} {{desc}}" if known
                          else "{n:7d}/Unknown {desc}")
            self._bar = tqdm(total=self.target if known else None, initial=current, desc=text,
                             file=sys.stdout, bar_format=bar_format, ascii=" ━",
                             mininterval=0, miniters=0, leave=True, dynamic_ncols=True)
        else:
            self._bar.n = current
            self._bar.set_description_str(text, refresh=False)
            if not finalize:
                self._bar.refresh()
        if finalize:
            self._bar.close()  # draws the last state and ends the line
            self._bar = None
