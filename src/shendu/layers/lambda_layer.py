"""Lambda: wrap any function of Tensors as a layer.

The function runs in memory as given. A model holding a Lambda can be saved (or turned into
JSON) only when the function is registered by name with
:func:`shendu.saving.registry.register_serializable`: code is never pickled, marshalled or
evaluated, so the file names the function and loading finds it in the registry.

>>> import numpy as np
>>> from shendu.layers import Lambda
>>> Lambda(lambda x: x * 2)(np.ones((1, 2))).data
array([[2., 2.]], dtype=float32)
"""

from __future__ import annotations

from ..errors import ArgumentError, UnknownNameError
from .base import Layer


def _function_name(function) -> str:
    return getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or repr(
        function)


class Lambda(Layer):
    """Keras's ``Lambda(function, output_shape=None, mask=None, arguments=None)``.

    ``function(inputs, **arguments)`` is written with shendu ops or Tensor operators, so its
    gradient comes from autograd. ``output_shape`` (without the batch axis, or a function of
    the input shape) saves a trial run of the function when shapes are inferred.

    >>> import numpy as np
    >>> from shendu.saving.registry import register_serializable
    >>> @register_serializable(package="demo")
    ... def halve(x):
    ...     return x * 0.5
    >>> layer = Lambda(halve)
    >>> layer.get_config()["function"]
    {'registered': 'demo>halve'}
    >>> Lambda.from_config(layer.get_config())(np.ones((1, 2))).data
    array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments: dict | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ArgumentError(
                f"Lambda '{self.name}': function must be callable, got "
                f"{type(function).__name__} ({function!r}). Hint: Lambda(lambda x: x * 2)."
            )
        if mask is not None:
            raise ArgumentError(
                f"Lambda '{self.name}': mask is not supported (shendu has no masking yet), "
                f"got {mask!r}. Hint: leave mask=None."
            )
        self.function = function
        self.output_shape = output_shape if output_shape is None or callable(output_shape) \
            else tuple(output_shape)
        self.arguments = dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self.output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self.output_shape):
            return tuple(self.output_shape(tuple(input_shape)))
        return (input_shape[0],) + tuple(self.output_shape)

    def get_config(self):
        registered = getattr(self.function, "_registered_name", None)
        if registered is None:
            raise ArgumentError(
                f"Lambda '{self.name}': cannot serialize its function "
                f"{_function_name(self.function)!r}, because shendu never stores code (no "
                "pickle, no eval) and the function is not registered by name. Hint: define it "
                "with def and decorate it with @shendu.saving.register_serializable(), or write "
                "a Layer subclass and register that."
            )
        if callable(self.output_shape):
            raise ArgumentError(
                f"Lambda '{self.name}': cannot serialize a callable output_shape. "
                "Hint: give output_shape as a tuple (without the batch axis)."
            )
        config = super().get_config()
        config.update(
            function={"registered": registered},
            output_shape=None if self.output_shape is None else list(self.output_shape),
            arguments=self.arguments,
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        from ..saving import registry

        config = dict(config)
        spec = config.pop("function", None)
        name = spec.get("registered") if isinstance(spec, dict) else None
        custom = custom_objects or {}
        function = None
        if isinstance(name, str):
            function = custom.get(name) or custom.get(name.split(">")[-1]) or registry.lookup(name)
        if function is None or not callable(function):
            raise UnknownNameError(
                f"Lambda '{config.get('name')}': its function {name!r} is not registered, so it "
                "cannot be rebuilt (code is never loaded from a config). Hint: import the module "
                "that defines it with @shendu.saving.register_serializable(), or pass "
                "custom_objects={name: function}."
            )
        return cls(function, **config)
