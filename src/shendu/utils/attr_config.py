"""``keras.utils.Config``: a dict of named values that also reads and writes them as attributes,
can be frozen against changes, and writes itself as JSON.

>>> config = Config(learning_rate=0.1)
>>> config.momentum = 0.9
>>> config["seed"] = 1
>>> config.learning_rate, config["momentum"], list(config)
(0.1, 0.9, ['learning_rate', 'momentum', 'seed'])
>>> config.freeze()
>>> config.seed = 2
Traceback (most recent call last):
...
shendu.errors.ArgumentError: Config: cannot set 'seed', the config is frozen. ...
"""

from __future__ import annotations

import copy
import difflib
import json

from ..errors import ArgumentError

_OWN = frozenset({"_config", "_frozen"})


class Config:
    """Named values read and written as ``config.name`` or ``config["name"]``.

    Iterating gives the names in sorted order (Keras's rule); ``keys``, ``values`` and ``items``
    give them in the order they were set. A name that is also a method or property of Config
    (``keys``, ``frozen``, ...) can only be used with brackets: setting it as an attribute is
    refused rather than hiding the method. After :meth:`freeze`, every change raises
    :class:`~shendu.errors.ArgumentError` (a ValueError, as Keras's) until :meth:`unfreeze`.

    >>> config = Config(units=4)
    >>> config.get("units"), config.get("rate", 0.5), config.to_json()
    (4, 0.5, '{"units": 4}')
    >>> config.unit
    Traceback (most recent call last):
    ...
    AttributeError: Config has no value 'unit'. Did you mean 'units'? ...
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", kwargs)
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        """True after :meth:`freeze` (and before :meth:`unfreeze`).

        >>> Config().frozen
        False
        """
        return self._frozen

    def freeze(self):
        """Refuse every change from now on."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Allow changes again."""
        object.__setattr__(self, "_frozen", False)

    def _raise_if_frozen(self, what: str) -> None:
        if self._frozen:
            raise ArgumentError(
                f"Config: cannot {what}, the config is frozen. Hint: call config.unfreeze() "
                "first, or build a new Config(**config.as_dict())."
            )

    def as_dict(self) -> dict:
        """A shallow copy of the values as a plain dict."""
        return copy.copy(self._config)

    def to_json(self) -> str:
        """The values as a JSON string (they must be JSON-serializable)."""
        return json.dumps(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def pop(self, *args):
        self._raise_if_frozen(f"pop {args[0]!r}" if args else "pop")
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._raise_if_frozen("update it")
        return self._config.update(*args, **kwargs)

    def get(self, keyname, value=None):
        return self._config.get(keyname, value)

    def __setattr__(self, name, value):
        if name in _OWN or hasattr(type(self), name):
            raise ArgumentError(
                f"Config: {name!r} is an attribute of Config itself, so config.{name} = ... "
                f"cannot hold a value. Hint: use config[{name!r}] = ... instead."
            )
        self._raise_if_frozen(f"set {name!r}")
        self._config[name] = value

    def __getattr__(self, name):
        # only called when normal lookup fails; the internals (and dunders looked up by copy
        # and pickle before __init__ ran) must not reach self._config
        if name in _OWN or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(name)
        values = self._config
        if name in values:
            return values[name]
        close = difflib.get_close_matches(name, [str(k) for k in values], n=1, cutoff=0.7)
        guess = f" Did you mean {close[0]!r}?" if close else ""
        raise AttributeError(
            f"Config has no value {name!r}.{guess} Hint: the values it holds are "
            f"{sorted(map(str, values))}."
        )

    def __setitem__(self, key, item):
        self._raise_if_frozen(f"set {key!r}")
        self._config[key] = item

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self._raise_if_frozen(f"delete {key!r}")
        del self._config[key]

    def __repr__(self) -> str:
        return f"<Config {self._config}>"

    def __iter__(self):
        yield from sorted(self._config)

    def __len__(self) -> int:
        return len(self._config)

    def __contains__(self, item) -> bool:
        return item in self._config


__all__ = ["Config"]
