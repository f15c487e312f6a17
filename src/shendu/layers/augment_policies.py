"""Augmentation policies built from the other image layers: RandAugment and AugMix — Keras's
arguments and defaults, and Keras's choice of transforms.

Both hold the same sub-layers as Keras's, made from ``factor`` f (a number in [0, 1] meaning
(0, f), or a pair (lower, upper)): RandomShear(x_factor=f, y_factor=f), RandomTranslation(f,
f), RandomRotation(f), RandomBrightness(f), RandomColorDegeneration(f), RandomContrast(f),
RandomSharpness(f), RandomPosterization(max(1, int(8·upper))), Solarization(f, f),
AutoContrast and Equalization, with the layer's ``value_range`` and ``interpolation``. The
choice of transforms is one for the whole batch, and each transform draws per image, as in
Keras; every draw comes from this layer's generator (``seed``), so a seeded layer repeats.
They change their input only in training (identity in inference; a direct call without
``training`` augments). Images are (batch, height, width, channels), grey or RGB, or channels
first with ``data_format="channels_first"``; a single unbatched image is accepted too.

>>> import numpy as np
>>> from shendu.layers import RandAugment
>>> x = np.random.default_rng(0).uniform(0, 255, size=(2, 8, 8, 3))
>>> y = RandAugment(seed=0)(x).data
>>> y.shape, bool(np.allclose(y, x))
((2, 8, 8, 3), False)
>>> bool(np.array_equal(RandAugment(num_ops=0)(x).data, x.astype("float32")))
True
"""

from __future__ import annotations

import numbers

from ..errors import ArgumentError, ShapeError
from ..ops import clip
from ..ops.image import INTERPOLATIONS
from .color_augmentation import (
    AutoContrast,
    RandomColorDegeneration,
    RandomPosterization,
    Solarization,
    _config_value,
    unit_factor,
)
from .image_filters import Equalization, RandomSharpness
from .image_preprocessing import (
    RandomBrightness,
    RandomContrast,
    _is_number,
    _value_range_arg,
    _where,
)
from .preprocessing import RandomRotation, RandomTranslation, _RandomImageLayer
from .random_shear import RandomShear

# Keras's lists, in Keras's order
RAND_AUGMENT_OPS = ("random_shear", "random_translation", "random_rotation",
                    "random_brightness", "random_color_degeneration", "random_contrast",
                    "random_sharpness", "random_posterization", "solarization",
                    "auto_contrast", "equalization")
AUGMIX_OPS = ("random_shear", "random_translation", "random_rotation", "random_posterization",
              "solarization", "auto_contrast", "equalization")
AUGMIX_OPS_ALL = AUGMIX_OPS + ("random_brightness", "random_color_degeneration",
                               "random_contrast", "random_sharpness")


def _count(layer, name: str, value, least: int, hint: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < least:
        raise ArgumentError(
            f"{_where(layer)}: {name} must be an int >= {least}, got {value!r}. Hint: {hint}."
        )
    return int(value)


class _PolicyLayer(_RandomImageLayer):
    """Shared: value_range, factor, interpolation and the sub-layers named in ``names``."""

    names: tuple = ()

    def __init__(self, value_range, factor, interpolation, seed, data_format, names=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._names = tuple(names or self.names)
        self.value_range = _value_range_arg(self, value_range)
        self.factor = _config_value(factor)
        self._f = unit_factor(self, "factor", factor, "factor=0.5 gives each transform up to "
                              "half of its full strength")
        if interpolation not in INTERPOLATIONS:
            raise ArgumentError(
                f"{_where(self)}: interpolation must be one of {INTERPOLATIONS}, got "
                f"{interpolation!r}. Hint: the default is 'bilinear'."
            )
        self.interpolation = interpolation
        self._ops = self._make_ops()

    def _make_ops(self) -> list:
        f, vr, interp = self._f, self.value_range, self.interpolation
        common = dict(data_format="channels_last")  # this layer transposes once for all
        makers = {
            "random_shear": lambda: RandomShear(f, f, interpolation=interp, **common),
            "random_translation": lambda: RandomTranslation(f, f, interpolation=interp,
                                                            **common),
            "random_rotation": lambda: RandomRotation(f, interpolation=interp, **common),
            "random_brightness": lambda: RandomBrightness(f, vr, **common),
            "random_color_degeneration": lambda: RandomColorDegeneration(f, vr, **common),
            "random_contrast": lambda: RandomContrast(f, vr, **common),
            "random_sharpness": lambda: RandomSharpness(f, vr, **common),
            "random_posterization": lambda: RandomPosterization(max(1, int(8 * f[1])), vr,
                                                                **common),
            "solarization": lambda: Solarization(f, f, vr, **common),
            "auto_contrast": lambda: AutoContrast(vr, **common),
            "equalization": lambda: Equalization(vr, **common),
        }
        ops = [makers[name]() for name in self._names]
        for op in ops:
            op._rng = self._rng  # one generator for every draw: a seeded policy repeats
        return ops

    def _apply(self, index: int, x):
        return self._ops[index].call(x, training=True)

    def _check_channels(self, x) -> None:
        if x.shape[-1] not in (1, 3):
            raise ShapeError(
                f"{_where(self)}: expected grey (1 channel) or RGB (3) images, got "
                f"{x.shape[-1]} channels in shape {tuple(x.shape)}. Hint: check data_format "
                f"(now {self.data_format!r}); the colour transforms need grey or RGB."
            )

    def chain_steps(self, training=False):
        return [] if not training else None  # several ops chosen per batch: layer by layer

    def get_config(self):
        config = super().get_config()
        config.update(value_range=list(self.value_range), factor=self.factor,
                      interpolation=self.interpolation)
        return config


class RandAugment(_PolicyLayer):
    """RandAugment (Cubuk et al., 2019), in training: ``num_ops`` transforms, each picked at
    random from Keras's eleven (the module doc) for the batch, applied one after the other.

    ``num_ops``: how many transforms (0 leaves the images as they are). ``factor``: their
    strength, a number in [0, 1] for (0, f) or a pair. As in Keras, a factor of 0 makes the
    geometric, brightness, contrast and colour transforms identities, but not sharpness (0
    smooths), posterization (to 1 bit), solarization, AutoContrast or Equalization.

    >>> import numpy as np
    >>> x = np.random.default_rng(1).uniform(0, 255, size=(4, 6, 6, 1))
    >>> layer = RandAugment(num_ops=3, factor=0.3, seed=0)
    >>> y = layer(x).data
    >>> y.shape, bool(0 <= y.min() and y.max() <= 255)
    ((4, 6, 6, 1), True)
    >>> bool(np.array_equal(layer(x, training=False).data, x.astype("float32")))
    True
    """

    names = RAND_AUGMENT_OPS

    def __init__(self, value_range=(0, 255), num_ops: int = 2, factor=0.5,
                 interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(value_range, factor, interpolation, seed, data_format, **kwargs)
        self.num_ops = _count(self, "num_ops", num_ops, 0, "num_ops=2 applies two transforms")

    def transform(self, x):
        if self.num_ops == 0:
            return x
        self._check_channels(x)
        for index in self.generator.integers(0, len(self._ops), size=self.num_ops):
            x = self._apply(int(index), x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(num_ops=self.num_ops)
        return config


class AugMix(_PolicyLayer):
    """AugMix (Hendrycks et al., 2020), in training: ``num_chains`` chains of up to
    ``chain_depth`` transforms (each step picks one of Keras's transforms or none), mixed as
    y = clip(w·x + (1 − w)·Σ_k m_k·chain_k(x), *value_range), with m ~ Dirichlet(alpha) and
    w ~ Beta(alpha, alpha), one draw for the batch as in Keras.

    ``all_ops=True`` uses all eleven transforms; False only the seven of the AugMix paper
    (no brightness, colour, contrast or sharpness). ``factor``: their strength, a number in
    [0, 1] for (0, f) or a pair.

    >>> import numpy as np
    >>> x = np.random.default_rng(2).uniform(0, 255, size=(2, 6, 6, 3))
    >>> layer = AugMix(num_chains=2, chain_depth=2, seed=0)
    >>> y = layer(x).data
    >>> y.shape, bool(np.allclose(y, x)), bool(0 <= y.min() and y.max() <= 255)
    ((2, 6, 6, 3), False, True)
    """

    def __init__(self, value_range=(0, 255), num_chains: int = 3, chain_depth: int = 3,
                 factor=0.3, alpha=1.0, all_ops: bool = True, interpolation: str = "bilinear",
                 seed: int | None = None, data_format: str | None = None, **kwargs):
        super().__init__(value_range, factor, interpolation, seed, data_format,
                         names=AUGMIX_OPS_ALL if all_ops is True else AUGMIX_OPS, **kwargs)
        if not isinstance(all_ops, bool):
            raise ArgumentError(
                f"{_where(self)}: all_ops must be True or False, got {all_ops!r}. Hint: False "
                "keeps to the seven transforms of the AugMix paper."
            )
        self.all_ops = all_ops
        self.num_chains = _count(self, "num_chains", num_chains, 1,
                                 "num_chains=3 mixes three augmented copies")
        self.chain_depth = _count(self, "chain_depth", chain_depth, 0,
                                  "chain_depth=3 chains up to three transforms")
        if not _is_number(alpha) or not alpha > 0:
            raise ArgumentError(
                f"{_where(self)}: alpha must be a number > 0, got {alpha!r}. Hint: alpha=1.0 "
                "draws the mixing weights uniformly."
            )
        self.alpha = float(alpha)

    def transform(self, x):
        if self.all_ops:
            self._check_channels(x)
        gamma = self.generator.gamma(self.alpha, size=self.num_chains)
        mixing = gamma / gamma.sum()  # Dirichlet(alpha) from normalized Gamma(alpha) draws
        w = float(self.generator.beta(self.alpha, self.alpha))
        mixed = None
        for k in range(self.num_chains):
            chain = x
            for index in self.generator.integers(0, len(self._ops) + 1, size=self.chain_depth):
                if index < len(self._ops):  # the last choice: no transform at this step
                    chain = self._apply(int(index), chain)
            term = chain * float(mixing[k])
            mixed = term if mixed is None else mixed + term
        low, high = self.value_range
        return clip(x * w + mixed * (1.0 - w), low, high)

    def get_config(self):
        config = super().get_config()
        config.update(num_chains=self.num_chains, chain_depth=self.chain_depth,
                      alpha=self.alpha, all_ops=self.all_ops)
        return config
