"""shendu (深度, "depth"): deep learning on NumPy with the Keras API.

Submodules load on first use, so ``import shendu`` costs little more than ``import numpy``.

>>> import numpy as np
>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(1, activation="sigmoid", input_dim=3)])
>>> model.compile(loss="binary_crossentropy", optimizer="adam")
>>> model.predict(np.zeros((2, 3)), verbose=0).shape
(2, 1)
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "activations", "autograd", "backend", "callbacks", "config", "constraints", "data", "datasets",
    "errors", "initializers", "layers", "losses", "metrics", "models", "ops", "optimizers",
    "parameters", "random", "regularizers", "saving", "testing", "utils",
}


# Names Keras 3 exports at its top level (``keras.Input``, ``keras.Model``...), so that a script
# that wrote ``import keras`` runs after ``import shendu as keras``. name -> submodule holding it.
_TOP_LEVEL = {
    "Tensor": "autograd", "no_grad": "autograd", "Input": "layers", "InputLayer": "layers",
    "InputSpec": "layers",
    "Layer": "layers", "Variable": "layers", "Model": "models", "Sequential": "models",
    "Loss": "losses", "Metric": "metrics", "Optimizer": "optimizers",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    if name in _TOP_LEVEL:
        return getattr(importlib.import_module(f"{__name__}.{_TOP_LEVEL[name]}"), name)
    raise AttributeError(f"module 'shendu' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_TOP_LEVEL))
