"""The global dtype policy of ``keras.config.dtype_policy`` / ``set_dtype_policy``, as far as
shendu can honour it.

Keras's policy names the dtype layers compute in and the dtype of their weights; "mixed"
policies compute in float16 or bfloat16 while keeping float32 weights. shendu computes and keeps
weights in one dtype, :func:`shendu.config.floatx`, so a policy is a float dtype name that
becomes floatx, and the mixed policies are refused. :func:`dtype_policy` always describes
floatx, however it was set.

>>> set_dtype_policy("float64")
>>> policy = dtype_policy()
>>> policy.name, policy.compute_dtype, policy.variable_dtype
('float64', 'float64', 'float64')
>>> from shendu import config
>>> config.floatx()
'float64'
>>> set_dtype_policy("float32")
"""

from __future__ import annotations

from .. import backend
from ..errors import ArgumentError

_MIXED = ("mixed_float16", "mixed_bfloat16")
_FLOATS = ("float16", "float32", "float64")


class DTypePolicy:
    """A dtype policy whose compute and variable dtypes are both ``name`` (shendu's only kind).

    >>> DTypePolicy("float32")
    <DTypePolicy "float32">
    """

    def __init__(self, name: str | None = None):
        self._name = backend.floatx() if name is None else name

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype layers compute in."""
        return self._name

    @property
    def variable_dtype(self) -> str:
        """The dtype of the weights."""
        return self._name

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    __hash__ = None

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def dtype_policy() -> DTypePolicy:
    """The global policy: always floatx for both the compute and the variable dtype.

    >>> dtype_policy().name
    'float32'
    """
    return DTypePolicy(backend.floatx())


def set_dtype_policy(policy) -> None:
    """Make ``policy`` (a name such as ``"float64"``, or a :class:`DTypePolicy`) the global
    policy, that is set floatx to it. ``"mixed_float16"`` and ``"mixed_bfloat16"`` are refused:
    shendu computes in one dtype. Names floatx does not take (bfloat16, ints) raise
    :class:`~shendu.errors.ArgumentError` too.

    >>> set_dtype_policy("mixed_float16")
    Traceback (most recent call last):
    ...
    shendu.errors.ArgumentError: set_dtype_policy: policy 'mixed_float16' computes in float16 ...
    """
    name = getattr(policy, "name", policy)
    if not isinstance(name, str):
        raise ArgumentError(
            f"set_dtype_policy: policy must be a policy name such as 'float32' or a "
            f"DTypePolicy, got {policy!r} (a {type(policy).__name__}). Hint: "
            "set_dtype_policy('float64') for double precision."
        )
    if name in _MIXED:
        half = name[len("mixed_"):]
        raise ArgumentError(
            f"set_dtype_policy: policy {name!r} computes in {half} with float32 weights, but "
            "shendu computes and keeps weights in one dtype. Hint: use 'float32' (the default), "
            "or 'float16' to do everything in half precision."
        )
    if name not in _FLOATS:
        raise ArgumentError(
            f"set_dtype_policy: policy {name!r} is not one shendu can compute in; expected one "
            f"of {_FLOATS} (NumPy has no bfloat16). Hint: set_dtype_policy('float32'), the "
            "default."
        )
    backend.set_floatx(name)


__all__ = ["DTypePolicy", "dtype_policy", "set_dtype_policy"]
