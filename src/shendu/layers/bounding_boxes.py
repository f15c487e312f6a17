"""MaxNumBoundingBoxes — Keras's arguments and defaults: pad or truncate the bounding boxes of
a batch to a fixed number per image, so that they stack into one array.

shendu's other image layers do not move bounding boxes; this one only counts them. It takes
Keras's dict form ``{"images": x, "bounding_boxes": {"boxes": b, "labels": l}}`` (plus
optional "labels" and "segmentation_masks" beside them, passed through), with boxes (batch,
k, 4) and labels (batch, k), or (k, 4) and (k,) for a single image, and returns the same dict
with boxes (batch, max_number, 4) and labels (batch, max_number): the first max_number boxes,
then rows of ``fill_value``. The boxes' format does not matter (``bounding_box_format`` is
kept for Keras's configs). Images alone pass through unchanged. Not random: the same in
training and inference, as in Keras.

>>> import numpy as np
>>> from shendu.layers import MaxNumBoundingBoxes
>>> data = {"images": np.zeros((1, 8, 8, 3)),
...         "bounding_boxes": {"boxes": np.array([[[0.0, 0.0, 4.0, 4.0]]]),
...                            "labels": np.array([[2]])}}
>>> out = MaxNumBoundingBoxes(max_number=2)(data)
>>> out["bounding_boxes"]["boxes"]
array([[[ 0.,  0.,  4.,  4.],
        [-1., -1., -1., -1.]]])
>>> out["bounding_boxes"]["labels"]
array([[ 2, -1]])
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ArgumentError, ShapeError
from .base import Layer
from .image_preprocessing import _where

KEYS = ("images", "bounding_boxes", "labels", "segmentation_masks")


def _plain(value):
    return np.asarray(getattr(value, "data", value))


class MaxNumBoundingBoxes(Layer):
    """Keep at most ``max_number`` boxes per image, padding with ``fill_value`` to exactly
    that many (the module doc has the dict form).

    >>> import numpy as np
    >>> boxes = {"boxes": np.arange(12.0).reshape(3, 4), "labels": np.array([1, 2, 3])}
    >>> out = MaxNumBoundingBoxes(2)({"images": np.zeros((8, 8, 3)), "bounding_boxes": boxes})
    >>> out["bounding_boxes"]["labels"], out["images"].shape
    (array([1, 2]), (8, 8, 3))
    """

    def __init__(self, max_number: int, fill_value: int = -1, bounding_box_format=None,
                 data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(max_number, numbers.Integral) or isinstance(max_number, bool) or \
                max_number < 1:
            raise ArgumentError(
                f"{_where(self)}: max_number must be an int >= 1, got {max_number!r}. Hint: "
                "the most boxes any image of the dataset has, e.g. max_number=10."
            )
        if not isinstance(fill_value, numbers.Real) or isinstance(fill_value, bool):
            raise ArgumentError(
                f"{_where(self)}: fill_value must be a number, got {fill_value!r}. Hint: -1 "
                "(the default) marks the padding rows, as Keras's box utilities expect."
            )
        self.max_number, self.fill_value = int(max_number), int(fill_value)
        self.bounding_box_format, self.data_format = bounding_box_format, data_format

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, dict):
            return super().__call__(inputs, *args, **kwargs)
        extra = sorted(str(k) for k in inputs if k not in KEYS)
        if "images" not in inputs or extra:
            raise ArgumentError(
                f"{_where(self)}: a dict input needs the key 'images' and may have "
                f"{KEYS[1:]}, got keys {sorted(map(str, inputs))}. Hint: pass {{'images': x, "
                "'bounding_boxes': {'boxes': b, 'labels': l}}."
            )
        out = dict(inputs)
        out["images"] = self._to_tensor(inputs["images"])
        if "bounding_boxes" in inputs:
            batched = out["images"].ndim == 4
            out["bounding_boxes"] = self._fix(inputs["bounding_boxes"], batched)
        return out

    def _fix(self, boxes, batched: bool) -> dict:
        if not isinstance(boxes, dict) or set(boxes) != {"boxes", "labels"}:
            keys = sorted(map(str, boxes)) if isinstance(boxes, dict) else type(boxes).__name__
            raise ArgumentError(
                f"{_where(self)}: bounding_boxes must be a dict with the keys 'boxes' and "
                f"'labels', got {keys}. Hint: {{'boxes': (batch, k, 4), 'labels': (batch, k)}}."
            )
        b, labels = _plain(boxes["boxes"]), _plain(boxes["labels"])
        lead = 1 if batched else 0
        if b.ndim != 2 + lead or b.shape[-1] != 4 or labels.shape != b.shape[:-1]:
            want = "(batch, k, 4) and labels (batch, k)" if batched else "(k, 4) and labels (k,)"
            raise ShapeError(
                f"{_where(self)}: expected boxes {want}, got boxes {b.shape} and labels "
                f"{labels.shape}. Hint: batched images need batched boxes, one row per box."
            )
        k = min(b.shape[lead], self.max_number)
        fixed = {}
        for name, array in (("boxes", b), ("labels", labels)):
            shape = list(array.shape)
            shape[lead] = self.max_number
            padded = np.full(shape, self.fill_value, dtype=array.dtype)
            padded[(slice(None),) * lead + (slice(0, k),)] = array[
                (slice(None),) * lead + (slice(0, k),)]
            fixed[name] = padded
        return fixed

    def call(self, inputs):
        return inputs

    def chain_steps(self, training=False):
        """No op for the Sequential fast path: images pass through."""
        return []

    def compute_output_shape(self, input_shape):
        return input_shape if isinstance(input_shape, (list, dict)) else tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(max_number=self.max_number, fill_value=self.fill_value,
                      bounding_box_format=self.bounding_box_format,
                      data_format=self.data_format)
        return config
