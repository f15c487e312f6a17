"""``keras.utils.plot_model`` and ``keras.utils.model_to_dot``, with Keras's signatures.

Keras draws a model with pydot and the Graphviz programs. shendu does not draw models: both
functions only check for those dependencies, which are optional and imported when called, and
raise :class:`MissingDependencyError` (an ImportError) saying how to install them when they are
missing, or :class:`~shendu.errors.ArgumentError` saying that shendu has no drawing when they
are there. ``model.summary()`` lists the same layers, shapes and links as text.

>>> try:
...     plot_model(None)
... except (ImportError, ValueError) as e:
...     "pip install pydot" in str(e) or "does not draw" in str(e)
True
"""

from __future__ import annotations

import importlib
import shutil

from ..errors import ArgumentError, ShenduError


class MissingDependencyError(ShenduError, ImportError):
    """An optional package or program that a function needs is not installed."""


def _refuse(where: str) -> None:
    try:
        importlib.import_module("pydot")
    except ImportError:
        raise MissingDependencyError(
            f"{where}: drawing a model needs pydot and Graphviz, and pydot is not installed. "
            "Hint: `pip install pydot`, install Graphviz (e.g. `apt-get install graphviz` or "
            "`brew install graphviz`), or print the layers with model.summary()."
        ) from None
    if shutil.which("dot") is None:
        raise MissingDependencyError(
            f"{where}: drawing a model needs Graphviz's `dot` program, which is not on PATH. "
            "Hint: install Graphviz (e.g. `apt-get install graphviz` or `brew install "
            "graphviz`), or print the layers with model.summary()."
        )
    raise ArgumentError(
        f"{where}: shendu does not draw models, even with pydot and Graphviz installed. "
        "Hint: model.summary() prints the layers, their output shapes and what each is "
        "connected to."
    )


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, splines="ortho",
                 **kwargs):
    """Keras's pydot graph of ``model``: raises, as the module docstring says.

    >>> try:
    ...     model_to_dot(None)
    ... except (ImportError, ValueError) as e:
    ...     str(e).startswith("model_to_dot:")
    True
    """
    _refuse("model_to_dot")


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Keras's picture of ``model`` in ``to_file``: raises, as the module docstring says.

    >>> try:
    ...     plot_model(None, to_file="model.png")
    ... except (ImportError, ValueError) as e:
    ...     str(e).startswith("plot_model:")
    True
    """
    _refuse("plot_model")


__all__ = ["MissingDependencyError", "model_to_dot", "plot_model"]
