"""Several inputs or outputs: the arrays travel together as one :class:`MultiArray`.

A MultiArray is a list of arrays with one row per sample each. Indexing it (a slice, a
permutation) indexes every array alike, and ``len()`` is the number of samples, so the batch
loop treats it like a single array.

>>> import numpy as np
>>> both = MultiArray([np.arange(4), np.arange(8).reshape(4, 2)])
>>> len(both), [a.shape for a in both[1:3]]
(4, [(2,), (2, 2)])
"""

from __future__ import annotations

import numpy as np

from ..data import validation as check
from ..errors import ArgumentError, ShapeError


class MultiArray(list):
    """Arrays with the same number of rows, indexed together; len() counts samples."""

    def __len__(self) -> int:
        return len(list.__getitem__(self, 0)) if list.__len__(self) else 0

    def __getitem__(self, index):
        if isinstance(index, int):
            return list.__getitem__(self, index)
        return MultiArray(a[index] for a in list.__iter__(self))

    @property
    def count(self) -> int:
        """How many arrays (inputs or outputs) travel together."""
        return list.__len__(self)

    @property
    def shape(self):
        return [a.shape for a in list.__iter__(self)]


def as_arrays(value, names: list[str], what: str, strings=(), **check_kwargs):
    """Check one array per name (a list in order, or a dict by name) → MultiArray; the names
    in ``strings`` (inputs of dtype 'string') are checked as text, the others as numbers."""
    if isinstance(value, MultiArray):
        value = list(list.__iter__(value))
    if isinstance(value, dict):
        missing = [n for n in names if n not in value]
        if missing:
            raise ArgumentError(
                f"{what}: missing entries {missing}; expected keys {names}, got "
                f"{sorted(map(str, value))}. Hint: the keys are the names of the model's "
                f"{'inputs' if what.startswith('x') else 'outputs'} (model.input_names / "
                "model.output_names)."
            )
        value = [value[n] for n in names]
    if not isinstance(value, (list, tuple)) or len(value) != len(names):
        got = len(value) if isinstance(value, (list, tuple)) else type(value).__name__
        raise ShapeError(
            f"{what}: the model has {len(names)} ({', '.join(names)}), so expected a list of "
            f"{len(names)} arrays or a dict keyed by those names, got {got}. Hint: "
            f"{what}=[{', '.join(f'{n}_array' for n in names)}]."
        )
    arrays = MultiArray(
        check.check_strings(a, f"{what}['{n}']", f"input '{n}'") if n in strings
        else check.check_array(a, f"{what}['{n}']", **check_kwargs)
        for a, n in zip(value, names))
    lengths = {len(a) for a in list.__iter__(arrays)}
    if len(lengths) > 1:
        raise ShapeError(
            f"{what}: every array needs one row per sample, got lengths "
            f"{[len(a) for a in list.__iter__(arrays)]}. Hint: row i of each array belongs to "
            "sample i."
        )
    return arrays


def per_output(spec, names: list[str], what: str) -> list:
    """A list with one entry per output from a single value, a list, or a dict by name."""
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ArgumentError(f"compile: {what} names unknown outputs {sorted(map(str, unknown))}"
                                f"; the outputs are {names}. Hint: key it by model.output_names.")
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != len(names):
            raise ArgumentError(f"compile: {what} has {len(spec)} entries for {len(names)} "
                                f"outputs ({', '.join(names)}). Hint: one entry per output, in "
                                "that order, or a dict keyed by output name.")
        return list(spec)
    return [spec for _ in names]


def concat_outputs(parts: list):
    """Join per-batch predictions: arrays, or lists of arrays (one per output)."""
    if isinstance(parts[0], list):
        return [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]
    return np.concatenate(parts)
