"""Augmentations that mix each image with a partner from its batch: MixUp and CutMix —
Keras's arguments and defaults.

Each image i is paired with image order[i], ``order`` a random permutation of the batch.
Called on a dict ``{"images": x, "labels": y}`` (y one-hot or soft, floats) they mix the labels
with the same weights and return a dict of both, as Keras's do. They change their input only
in training: identity in inference, and a direct call without ``training`` mixes, as for the
other random image layers. (Keras's MixUp also mixes when ``training=False``; here it follows
the rule of its siblings, so ``predict`` sees the images as they are.) A single unbatched
image has no partner and is returned as it is.

>>> import numpy as np
>>> from shendu.layers import MixUp
>>> data = {"images": np.zeros((2, 4, 4, 3)), "labels": np.eye(2)}
>>> sorted(MixUp(seed=0)(data))
['images', 'labels']
>>> MixUp(seed=0)(data, training=False)["labels"].data
array([[1., 0.],
       [0., 1.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError, DTypeError, ShapeError
from ..ops.image_filters import MixBatch, mix_batch
from .color_augmentation import _config_value, unit_factor
from .image_preprocessing import _is_number, _where
from .preprocessing import _RandomImageLayer

KEYS = ("images", "labels")


class _MixingLayer(_RandomImageLayer):
    """Images, or a dict of images and labels; ``draw(shape)`` returns (order, image weights,
    label weights): y = w · x + (1 − w) · x[order]."""

    def __call__(self, inputs, *args, training=None, **kwargs):
        if not isinstance(inputs, dict):
            return super().__call__(inputs, *args, training=training, **kwargs)
        data = self._check_dict(inputs)
        if not self.built:
            self.build_from_shape(tuple(data["images"].shape))
        return self.call(data, training=True if training is None else bool(training))

    def _check_dict(self, inputs: dict) -> dict:
        extra = sorted(str(k) for k in inputs if k not in KEYS)
        if "images" not in inputs or extra:
            raise ArgumentError(
                f"{_where(self)}: a dict input needs the key 'images' and may have 'labels', "
                f"got keys {sorted(map(str, inputs))}. Hint: segmentation masks and bounding "
                "boxes are not supported; pass {'images': x, 'labels': y}."
            )
        data = {"images": self._to_tensor(inputs["images"])}
        if "labels" in inputs:
            labels = inputs["labels"]
            kind = getattr(getattr(labels, "dtype", None), "kind", None) or np.asarray(
                labels).dtype.kind
            if kind not in "f":
                raise DTypeError(
                    f"{_where(self)}: labels must be floats (one-hot or soft), got dtype "
                    f"{np.asarray(getattr(labels, 'data', labels)).dtype}. Hint: "
                    "shendu.utils.to_categorical(y, num_classes) makes one-hot labels."
                )
            data["labels"] = self._to_tensor(labels)
            images, labels = data["images"], data["labels"]
            if images.ndim == 4 and (labels.ndim == 0 or labels.shape[0] != images.shape[0]):
                raise ShapeError(
                    f"{_where(self)}: expected one label row per image, {images.shape[0]} "
                    f"rows, got labels of shape {tuple(labels.shape)} for images of shape "
                    f"{tuple(images.shape)}. Hint: labels of shape (batch, classes)."
                )
        return data

    def call(self, inputs, training=False):
        if not isinstance(inputs, dict):
            return self._mix_images(inputs, training)
        self._label_mix = None
        out = {"images": self._mix_images(inputs["images"], training)}
        if "labels" in inputs:
            labels = inputs["labels"]
            out["labels"] = labels if self._label_mix is None else mix_batch(labels,
                                                                             *self._label_mix)
        return out

    def _mix_images(self, images, training):
        if training and images.ndim == 3:
            return images  # one image: no partner
        return super().call(images, training=training)

    def _image_draw(self, shape):
        order, image_weights, label_weights = self.draw(shape)
        self._label_mix = (order, label_weights)
        return order, image_weights

    def transform(self, x):
        return MixBatch.apply(x, draw=self._image_draw)

    def step(self):
        return MixBatch(draw=self._image_draw)


class MixUp(_MixingLayer):
    """MixUp (Zhang et al. 2018), in training: y = λ x + (1 − λ) x[order], one λ for the
    batch drawn from Beta(alpha, alpha) and ``order`` a random permutation; labels likewise.

    ``alpha``: a positive number; small values keep λ near 0 or 1 (little mixing).

    >>> import numpy as np
    >>> x = np.array([[[[0.0]]], [[[10.0]]]])
    >>> y = MixUp(alpha=0.2, seed=0)(x).data.ravel()
    >>> bool(np.isclose(y.sum(), 10.0))  # a convex combination of the pair
    True
    """

    def __init__(self, alpha: float = 0.2, data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not _is_number(alpha) or not 0 < alpha < float("inf"):
            raise ArgumentError(
                f"{_where(self)}: alpha must be a positive number (the Beta(alpha, alpha) "
                f"parameter of the mixing weight), got {alpha!r}. Hint: alpha=0.2 as for "
                "ImageNet."
            )
        self.alpha = float(alpha)

    def draw(self, shape):
        order = self.generator.permutation(shape[0])
        lam = self.generator.beta(self.alpha, self.alpha)
        return order, np.float64(lam), np.float64(lam)

    def get_config(self):
        config = super().get_config()
        config.update(alpha=self.alpha)
        return config


class CutMix(_MixingLayer):
    """CutMix (Yun et al. 2019), in training: a box of each image is replaced by the same box
    of its partner x[order]; the labels are mixed by the box's area, y = λ·y + (1 − λ)·
    y[order] with λ = 1 − box area / image area (Keras's continuous box, so λ can differ from
    the share of whole pixels by under a row and a column).

    Keras's draws: α from ``factor``'s range (plus 1e-6) for the batch; per image
    λ₀ ~ Beta(α, α), a box √(1 − λ₀) of the width and of the height, at a uniformly random
    place inside the image. ``factor``: f in [0, 1] for α in [0, f], or a pair (lower, upper).

    >>> import numpy as np
    >>> x = np.stack([np.zeros((4, 4, 1)), np.ones((4, 4, 1))])
    >>> y = CutMix(seed=0)(x).data
    >>> bool(((y == 0) | (y == 1)).all())  # every pixel is its own or its partner's
    True
    """

    def __init__(self, factor=1.0, seed: int | None = None, data_format: str | None = None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _config_value(factor)
        self._alpha = unit_factor(self, "factor", factor, "factor=1.0 draws α in [0, 1]")

    def draw(self, shape):
        n, h, w, _ = shape
        g = self.generator
        alpha = g.uniform(*self._alpha) + 1e-6
        ratio = np.sqrt(1.0 - g.beta(alpha, alpha, size=n))
        box_w, box_h = ratio * w, ratio * h
        x0 = g.random(n) * (w - box_w)
        y0 = g.random(n) * (h - box_h)
        order = g.permutation(n)
        cols = np.arange(w)[None, None, :]
        rows = np.arange(h)[None, :, None]
        pasted = ((cols >= x0[:, None, None]) & (cols < (x0 + box_w)[:, None, None])
                  & (rows >= y0[:, None, None]) & (rows < (y0 + box_h)[:, None, None]))
        keep = 1.0 - pasted[..., None].astype(np.float64)
        return order, keep, 1.0 - box_w * box_h / (w * h)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor)
        return config
