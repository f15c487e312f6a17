"""MaxNumBoundingBoxes: Keras's padding and truncation of boxes and labels (batched and
single images), images and other keys passed through, plain images unchanged, named errors
and configs."""

import numpy as np
import pytest

from shendu.errors import ArgumentError, ShapeError
from shendu.layers import MaxNumBoundingBoxes, deserialize, serialize

BOXES = {"boxes": np.arange(24.0).reshape(2, 3, 4), "labels": np.array([[1, 2, 3], [4, 5, 6]])}
IMAGES = np.random.default_rng(0).uniform(size=(2, 4, 4, 3))


def test_truncates_to_max_number():
    out = MaxNumBoundingBoxes(2)({"images": IMAGES, "bounding_boxes": BOXES})
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"], BOXES["boxes"][:, :2])
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"], [[1, 2], [4, 5]])
    np.testing.assert_array_equal(out["images"].data, IMAGES.astype("float32"))


def test_pads_with_fill_value_in_training_and_inference_keeping_dtypes():
    layer = MaxNumBoundingBoxes(4, fill_value=-7)
    for training in (True, False):
        out = layer({"images": IMAGES, "bounding_boxes": BOXES, "labels": np.eye(2)},
                    training=training)
        boxes, labels = out["bounding_boxes"]["boxes"], out["bounding_boxes"]["labels"]
        assert boxes.shape == (2, 4, 4) and labels.shape == (2, 4)
        np.testing.assert_array_equal(boxes[:, :3], BOXES["boxes"])
        np.testing.assert_array_equal(boxes[:, 3], -7.0)
        np.testing.assert_array_equal(labels, [[1, 2, 3, -7], [4, 5, 6, -7]])
        assert labels.dtype == BOXES["labels"].dtype and boxes.dtype == BOXES["boxes"].dtype
        np.testing.assert_array_equal(out["labels"], np.eye(2))
    assert BOXES["boxes"].shape == (2, 3, 4)  # the input is not changed


def test_single_image_and_plain_images():
    single = {"boxes": BOXES["boxes"][0], "labels": BOXES["labels"][0]}
    out = MaxNumBoundingBoxes(4)({"images": IMAGES[0], "bounding_boxes": single})
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"], [1, 2, 3, -1])
    assert out["bounding_boxes"]["boxes"].shape == (4, 4)
    np.testing.assert_array_equal(MaxNumBoundingBoxes(3)(IMAGES).data, IMAGES.astype("float32"))
    out = MaxNumBoundingBoxes(3)({"images": IMAGES})
    assert sorted(out) == ["images"]


def test_config_round_trip():
    layer = MaxNumBoundingBoxes(5, fill_value=0, bounding_box_format="xyxy")
    clone = deserialize(serialize(layer))
    assert type(clone) is MaxNumBoundingBoxes and clone.get_config() == layer.get_config()
    assert layer.get_config()["bounding_box_format"] == "xyxy"


@pytest.mark.parametrize("make,data,words", [
    (lambda: MaxNumBoundingBoxes(0), None, ["max_number", ">= 1", "0"]),
    (lambda: MaxNumBoundingBoxes(2.5), None, ["max_number", "2.5"]),
    (lambda: MaxNumBoundingBoxes(2, fill_value="pad"), None, ["fill_value", "'pad'"]),
    (lambda: MaxNumBoundingBoxes(2), {"image": IMAGES}, ["'images'", "'image'"]),
    (lambda: MaxNumBoundingBoxes(2), {"images": IMAGES, "bounding_boxes": BOXES["boxes"]},
     ["bounding_boxes", "'boxes'", "ndarray"]),
    (lambda: MaxNumBoundingBoxes(2), {"images": IMAGES, "bounding_boxes": {
        "boxes": BOXES["boxes"], "labels": BOXES["labels"], "scores": BOXES["labels"]}},
     ["'scores'"]),
    (lambda: MaxNumBoundingBoxes(2), {"images": IMAGES, "bounding_boxes": {
        "boxes": BOXES["boxes"][0], "labels": BOXES["labels"][0]}},
     ["(batch, k, 4)", "(3, 4)"]),
    (lambda: MaxNumBoundingBoxes(2), {"images": IMAGES, "bounding_boxes": {
        "boxes": BOXES["boxes"], "labels": BOXES["labels"][:, :2]}}, ["(2, 3, 4)", "(2, 2)"]),
])
def test_bad_arguments_and_inputs_raise_named_errors(make, data, words):
    with pytest.raises((ArgumentError, ShapeError)) as info:
        layer = make()
        layer(data)
    message = str(info.value)
    assert "MaxNumBoundingBoxes" in message and "Hint" in message
    for word in words:
        assert word in message, (word, message)
