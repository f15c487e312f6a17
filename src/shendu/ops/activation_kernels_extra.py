"""Kernels for Keras 3's newer activations (celu, hard_shrink, hard_tanh, log_sigmoid,
soft_shrink, sparse_plus, sparse_sigmoid, squareplus, tanh_shrink, sparsemax), registered in
:data:`shendu.ops.activations.KERNELS` so that a name runs fused in ``Dense`` and as
``ops.activation(x, "celu")``.

The elementwise ones run the ``f``/``df`` of the Functions in :mod:`.nn_activations`, and
sparsemax the math of :mod:`.nn_statistics`; both are looked up when a kernel is first built
or run (they import :mod:`.activations`, which imports this module).

>>> import numpy as np
>>> from shendu import ops
>>> ops.activation(np.array([-1.0, 2.0]), "celu").data.round(6)
array([-0.632121,  2.      ])
>>> CELU(alpha=2.0).get_config()
{'alpha': 2.0}
"""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ArgumentError
from .kernel import Kernel


def _nn_activations():
    from . import nn_activations

    return nn_activations


class _Elementwise(Kernel):
    """An elementwise Function of :mod:`.nn_activations` (its ``f`` and ``df``) run as a
    kernel, so that ``Dense(4, activation="celu")`` fuses it as the others."""

    needs_input = True
    _op: str = ""  # the Function's name in nn_activations
    _args: tuple = ()  # (name, default): the settings, as Keras names them

    def __init__(self, **settings):
        names = dict(self._args)
        if set(settings) - set(names):
            raise ArgumentError(f"Activation {self.name!r}: unexpected arguments "
                                f"{sorted(set(settings) - set(names))}. Hint: it takes "
                                f"{list(names) or 'no arguments'}.")
        nn_act = _nn_activations()
        for key, default in self._args:
            setattr(self, key, nn_act._number(self.name, key, settings.get(key, default),
                                              positive=key == "alpha"))

    def _fn(self):
        op = getattr(_nn_activations(), self._op)
        return op(**{k: getattr(self, k) for k, _ in self._args})

    def forward_(self, z):
        return self._fn().f(get_array_module(z), z)

    def backward(self, z, y, gy):
        # dL/dz = gy · f'(z), with f' the op's own derivative
        return (gy * self._fn().df(get_array_module(gy), z, y)).astype(gy.dtype, copy=False)

    def get_config(self) -> dict:
        return {k: getattr(self, k) for k, _ in self._args}


def _kernel(name, op, args=(), doc=""):
    return type(op, (_Elementwise,), {"name": name, "_op": op, "_args": args, "__doc__": doc,
                                      "__module__": __name__})


CELU = _kernel("celu", "CELU", (("alpha", 1.0),), "x for x >= 0, alpha·(e^(x/alpha) - 1) else.")
HardShrink = _kernel("hard_shrink", "HardShrink", (("threshold", 0.5),),
                     "x where |x| > threshold, 0 elsewhere.")
HardTanh = _kernel("hard_tanh", "HardTanh", (), "clip(x, -1, 1).")
LogSigmoid = _kernel("log_sigmoid", "LogSigmoid", (), "log(sigmoid(x)).")
SoftShrink = _kernel("soft_shrink", "SoftShrink", (("threshold", 0.5),),
                     "x ∓ threshold beyond ±threshold, 0 between.")
SparsePlus = _kernel("sparse_plus", "SparsePlus", (), "0, (x + 1)²/4 or x.")
SparseSigmoid = _kernel("sparse_sigmoid", "SparseSigmoid", (), "0, (x + 1)/2 or 1.")
Squareplus = _kernel("squareplus", "Squareplus", (("b", 4),), "(x + sqrt(x² + b)) / 2.")
TanhShrink = _kernel("tanh_shrink", "TanhShrink", (), "x - tanh(x).")


class Sparsemax(Kernel):
    """Sparsemax along ``axis``, with the math of :func:`shendu.ops.sparsemax`.

    >>> import numpy as np
    >>> Sparsemax().forward_(np.array([1.0, 0.8, 0.0]))
    array([0.6, 0.4, 0. ])
    """

    name = "sparsemax"

    def __init__(self, axis: int = -1):
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ArgumentError(f"Activation 'sparsemax': axis must be an integer, got "
                                f"{axis!r}. Hint: axis=-1 normalises over the last axis.")
        self.axis = axis

    @staticmethod
    def _math():
        from .nn_statistics import Sparsemax as SparsemaxFn

        return SparsemaxFn()

    def forward_(self, z):
        xp = get_array_module(z)
        return xp.moveaxis(self._math().forward(xp.moveaxis(z, self.axis, -1)), -1, self.axis)

    def backward(self, z, y, gy):
        # on the support (y > 0): dL/dz = gy - mean of gy over the support; 0 off it
        xp = get_array_module(gy)
        fn = self._math()
        fn.y = xp.moveaxis(y, self.axis, -1)
        return xp.moveaxis(fn.backward(xp.moveaxis(gy, self.axis, -1)), -1, self.axis)

    def get_config(self) -> dict:
        return {"axis": self.axis}


EXTRA_KERNELS = (CELU, HardShrink, HardTanh, LogSigmoid, SoftShrink, SparsePlus, SparseSigmoid,
                 Squareplus, TanhShrink, Sparsemax)
