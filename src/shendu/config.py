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

Also as in Keras 3.15: caps on fit's epochs and steps for quick debugging runs
(:func:`set_max_epochs`, :func:`set_max_steps_per_epoch`, or the environment variables
``KERAS_MAX_EPOCHS`` and ``KERAS_MAX_STEPS_PER_EPOCH``, read at import), where progress output
goes (:func:`disable_interactive_logging`), the dtype policy (floatx under another name, see
:mod:`shendu.utils.dtype_policy`), and flags kept only so that scripts which set them run:
traceback filtering, flash attention and NNX change nothing in shendu.

Loading a model never runs code from the file in shendu, so there is nothing unsafe to enable:
:func:`enable_unsafe_deserialization` is a no-op that says so with a warning (see its
docstring for why it does not raise).
"""

from __future__ import annotations

import math
import numbers
import os
import warnings

from . import backend as _backend
from .errors import ArgumentError
from .utils.dtype_policy import dtype_policy, set_dtype_policy
from .utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)


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


def set_backend(backend) -> None:
    """Keras's backend switch: shendu has one backend, so only its own name is accepted (and
    changes nothing); any other raises :class:`~shendu.errors.ArgumentError`.

    >>> set_backend("numpy")
    >>> set_backend("jax")
    Traceback (most recent call last):
    ...
    shendu.errors.ArgumentError: set_backend: shendu runs only on its 'numpy' backend, ...
    """
    if backend != _backend.backend():
        raise ArgumentError(
            f"set_backend: shendu runs only on its {_backend.backend()!r} backend, got "
            f"{backend!r}. Hint: to run on {backend!r}, import keras itself with "
            "KERAS_BACKEND set; shendu scripts need no backend switch."
        )


def is_nnx_enabled() -> bool:
    """Whether Flax NNX features of Keras's JAX backend are on: always False in shendu.

    >>> is_nnx_enabled()
    False
    """
    return False


# -- flags kept for Keras scripts --------------------------------------------------------------
_FLAGS = {"traceback_filtering": True, "flash_attention": None}


def enable_traceback_filtering() -> None:
    """Turn Keras's traceback filtering on (the default). shendu filters no tracebacks: the flag
    is only stored and reported by :func:`is_traceback_filtering_enabled`.

    >>> enable_traceback_filtering(); is_traceback_filtering_enabled()
    True
    """
    _FLAGS["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Turn the traceback filtering flag off (shendu's tracebacks are the same either way).

    >>> disable_traceback_filtering(); is_traceback_filtering_enabled()
    False
    >>> enable_traceback_filtering()
    """
    _FLAGS["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """The traceback filtering flag: True unless disabled (it filters nothing in shendu).

    >>> is_traceback_filtering_enabled()
    True
    """
    return _FLAGS["traceback_filtering"]


def enable_flash_attention() -> None:
    """Let attention layers use flash attention where they can. As in Keras, this stores None
    ("use it when possible", the default), not True. shendu's attention is always the plain
    computation: the flag is only reported.

    >>> enable_flash_attention(); is_flash_attention_enabled() is None
    True
    """
    _FLAGS["flash_attention"] = None


def disable_flash_attention() -> None:
    """Forbid flash attention: stores False (shendu's attention is unchanged either way).

    >>> disable_flash_attention(); is_flash_attention_enabled()
    False
    >>> enable_flash_attention()
    """
    _FLAGS["flash_attention"] = False


def is_flash_attention_enabled():
    """The flash attention flag: None by default and after :func:`enable_flash_attention`,
    False after :func:`disable_flash_attention` (Keras's values).

    >>> print(is_flash_attention_enabled())
    None
    """
    return _FLAGS["flash_attention"]


# -- caps for debugging runs (read by Model.fit, evaluate and predict) ------------------------
def _cap(value, where: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ArgumentError(
            f"{where}: the cap must be a whole number >= 1 or None, got {value!r}. "
            "Hint: None removes the cap."
        )
    return int(value)


def _cap_from_env(name: str):
    text = os.environ.get(name)
    if text is None or not text.strip():
        return None
    try:
        return _cap(int(text), name)
    except ValueError:
        raise ArgumentError(
            f"environment variable {name} must be a whole number >= 1, got {text!r}. "
            f"Hint: unset it to train without a cap, or e.g. {name}=1."
        ) from None


_CAPS = {"epochs": _cap_from_env("KERAS_MAX_EPOCHS"),
         "steps": _cap_from_env("KERAS_MAX_STEPS_PER_EPOCH")}


def set_max_epochs(max_epochs) -> None:
    """Cap the epochs of every ``fit``: ``fit(epochs=n)`` runs at most ``max_epochs`` (with a
    warning when it cuts). None removes the cap. Meant for quick debugging runs; the
    environment variable ``KERAS_MAX_EPOCHS`` sets it at import.

    >>> set_max_epochs(2); max_epochs()
    2
    >>> set_max_epochs(None)
    """
    _CAPS["epochs"] = _cap(max_epochs, "set_max_epochs")


def max_epochs():
    """The cap on fit's epochs, or None when there is none (the default).

    >>> print(max_epochs())
    None
    """
    return _CAPS["epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """Cap the steps (batches) of each epoch of ``fit``, and of each ``evaluate`` and
    ``predict`` call, as Keras does (with a warning when it cuts). None removes the cap; the
    environment variable ``KERAS_MAX_STEPS_PER_EPOCH`` sets it at import.

    >>> set_max_steps_per_epoch(3); max_steps_per_epoch()
    3
    >>> set_max_steps_per_epoch(None)
    """
    _CAPS["steps"] = _cap(max_steps_per_epoch, "set_max_steps_per_epoch")


def max_steps_per_epoch():
    """The cap on the steps of an epoch, or None when there is none (the default).

    >>> print(max_steps_per_epoch())
    None
    """
    return _CAPS["steps"]


def capped_steps(steps, where: str):
    """``steps`` (None when unknown) limited by :func:`max_steps_per_epoch`, warning when the
    cap cuts; what fit, evaluate and predict call.

    >>> capped_steps(10, "fit")
    10
    """
    cap = _CAPS["steps"]
    if cap is None or (steps is not None and steps <= cap):
        return steps
    warnings.warn(f"{where}: limiting the steps per epoch to {cap} "
                  "(shendu.config.set_max_steps_per_epoch).", stacklevel=3)
    return cap


__all__ = ["backend", "disable_flash_attention", "disable_interactive_logging",
           "disable_traceback_filtering", "disable_unsafe_deserialization", "dtype_policy",
           "enable_flash_attention", "enable_interactive_logging", "enable_traceback_filtering",
           "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format",
           "is_flash_attention_enabled", "is_interactive_logging_enabled", "is_nnx_enabled",
           "is_traceback_filtering_enabled", "max_epochs", "max_steps_per_epoch", "set_backend",
           "set_dtype_policy", "set_epsilon", "set_floatx", "set_image_data_format",
           "set_max_epochs", "set_max_steps_per_epoch"]
