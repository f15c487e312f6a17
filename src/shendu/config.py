"""Global settings, as ``keras.config``: the float type, the fuzz factor, where image channels go,
and the backend's name.

The values live in :mod:`shendu.backend` (this module only checks and forwards), so
``shendu.config.floatx()`` and ``shendu.backend.floatx()`` always agree.

>>> from shendu import config
>>> config.backend(), config.floatx(), config.image_data_format()
('numpy', 'float32', 'channels_last')
>>> config.set_image_data_format("channels_first")
>>> from shendu.layers import Conv2D
>>> Conv2D(4, 3).data_format
'channels_first'
>>> config.set_image_data_format("channels_last")

Loading a model never runs code from the file in shendu, so there is nothing unsafe to enable:
:func:`enable_unsafe_deserialization` is a no-op that says so with a warning (see its
docstring for why it does not raise).
"""

from __future__ import annotations

import math
import numbers
import warnings

from . import backend as _backend
from .errors import ArgumentError


def backend() -> str:
    """The backend's name, as ``keras.config.backend()``: always 'numpy'.

    >>> backend()
    'numpy'
    """
    return _backend.backend()


def floatx() -> str:
    """The default float type of new weights and of input data: 'float32' unless set.

    >>> floatx()
    'float32'
    """
    return _backend.floatx()


def set_floatx(value: str) -> None:
    """Set the default float type: 'float16', 'float32' or 'float64' (NumPy has no bfloat16,
    which Keras also allows; it raises :class:`~shendu.errors.DTypeError` here).

    >>> set_floatx("float64"); floatx()
    'float64'
    >>> set_floatx("float32")
    """
    _backend.set_floatx(value)


def epsilon() -> float:
    """The fuzz factor added in losses, metrics and optimizers to avoid dividing by zero (1e-7).

    >>> epsilon()
    1e-07
    """
    return _backend.epsilon()


def set_epsilon(value: float) -> None:
    """Set the fuzz factor: a finite number > 0 (Keras takes any number; zero or a negative
    epsilon only turns a guarded division into a division by zero, so it is refused).

    >>> set_epsilon(1e-5); epsilon()
    1e-05
    >>> set_epsilon(1e-7)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(value) and value > 0):
        raise ArgumentError(
            f"set_epsilon: value must be a finite number > 0, got {value!r}. "
            "Hint: Keras's default is 1e-7."
        )
    _backend.set_epsilon(float(value))


def image_data_format() -> str:
    """Where layers with ``data_format=None`` expect the channels of images, sequences and
    volumes: 'channels_last' (default) or 'channels_first'.

    >>> image_data_format()
    'channels_last'
    """
    return _backend.image_data_format()


def set_image_data_format(data_format: str) -> None:
    """Set the default ``data_format`` of layers made from now on (a layer keeps the format it
    was made with, and writes it into its config).

    >>> set_image_data_format("channels_first"); image_data_format()
    'channels_first'
    >>> set_image_data_format("channels_last")
    """
    _backend.set_image_data_format(data_format)


def enable_unsafe_deserialization() -> None:
    """A no-op kept for Keras scripts: shendu never deserializes code, so nothing is unsafe.

    In Keras this lets ``load_model`` rebuild a ``Lambda`` layer from Python bytecode stored in
    the file. A shendu file holds no code at all, and loading it never imports or calls anything
    it names; a Lambda's function is found only in ``custom_objects`` or the registry that
    :func:`shendu.saving.register_keras_serializable` fills. Raising here would stop scripts
    that call this out of habit before loading a file that needs no code; doing nothing leaves
    the one case that matters, a file whose function is missing, to ``load_model``'s own error,
    which says how to supply it. A warning says that the call changed nothing.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     enable_unsafe_deserialization()
    >>> "never runs code" in str(caught[0].message)
    True
    """
    warnings.warn(
        "enable_unsafe_deserialization: shendu never runs code from model files, so this "
        "changes nothing. A Lambda layer's function is found by name: pass it in "
        "custom_objects= to load_model, or register it with "
        "shendu.saving.register_keras_serializable().",
        UserWarning, stacklevel=2,
    )


def disable_unsafe_deserialization() -> None:
    """A no-op: deserialization in shendu is always safe (see
    :func:`enable_unsafe_deserialization`).

    >>> disable_unsafe_deserialization()
    """


__all__ = ["backend", "disable_unsafe_deserialization", "enable_unsafe_deserialization",
           "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
           "set_image_data_format"]
