"""A functional model lists its layers as Keras 3 does, so model.get_weights()/set_weights()
exchange the same list with Keras: the layers farthest from the outputs first, ties in the order
a depth-first walk back from the outputs meets them. The expected orders are Keras 3.15's for the
same graphs (run beside these tests with keras installed), and follow from that rule by hand."""

import json

import numpy as np
from safetensors.numpy import load_file, save_file

from shendu import layers
from shendu.models import Model, load_model
from shendu.utils import set_random_seed


def two_towers():
    a, b = layers.Input((4,), name="in_a"), layers.Input((3,), name="in_b")
    x = layers.Dense(5, name="da2")(layers.Dense(5, name="da")(a))
    y = layers.Dense(5, name="db")(b)
    o1 = layers.Dense(1, name="o1")(layers.Concatenate(name="cat")([x, y]))
    return Model([a, b], [o1, layers.Dense(2, name="o2")(y)])


def long_and_short_branch():
    i = layers.Input((4,), name="inp")
    left = layers.Dense(3, name="left3")(layers.Dense(3, name="left2")(
        layers.Dense(3, name="left1")(i)))
    right = layers.Dense(3, name="right1")(i)
    return Model(i, layers.Dense(1, name="out")(layers.Add(name="add")([right, left])))


def shared_layer():
    i = layers.Input((4,), name="inp")
    shared = layers.Dense(4, name="shared")
    side = layers.Dense(4, name="side")(i)
    return Model(i, layers.Multiply(name="mul")([shared(shared(i)), side]))


def test_layers_come_in_keras_order():
    # depths from the outputs: in_a 4, da 3, in_b 3 (via o2: 2, via cat: 3), da2 2, db 2, ...
    assert [layer.name for layer in two_towers().layers] == [
        "in_a", "da", "in_b", "da2", "db", "cat", "o1", "o2"]
    # right1 (depth 2) and left3 (depth 2): the walk from `out` meets right1 first (add's
    # first input), but left1 and left2 lie deeper
    assert [layer.name for layer in long_and_short_branch().layers] == [
        "inp", "left1", "left2", "right1", "left3", "add", "out"]
    # a shared layer takes the depth of its deepest call
    assert [layer.name for layer in shared_layer().layers] == ["inp", "shared", "side", "mul"]


def test_weights_follow_the_layers_and_survive_a_config_round_trip():
    set_random_seed(0)
    model = long_and_short_branch()
    assert [tuple(w.shape) for w in model.get_weights()] == [
        (4, 3), (3,), (3, 3), (3,), (4, 3), (3,), (3, 3), (3,), (3, 1), (1,)]
    clone = Model.from_config(model.get_config())
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]


def test_a_file_listing_the_weights_in_the_old_order_loads_by_name(tmp_path):
    """Files written before this order hold a branching graph's weights in call order; each
    weight is found by its recorded path, and the optimizer's slots are moved with it."""
    set_random_seed(1)
    model = long_and_short_branch()
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    model.save(tmp_path / "new.safetensors")
    tensors = load_file(tmp_path / "new.safetensors")
    with open(tmp_path / "new.safetensors", "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    metadata = header["__metadata__"]
    paths = json.loads(metadata["weight_paths"])
    # the old order: left1, left2, left3, right1 (call order), then add and out
    by_layer = [p.split("/")[0] for p in paths]
    old_layers = ["left1", "left2", "left3", "right1", "out"]
    old = sorted(range(len(paths)), key=lambda i: (old_layers.index(by_layer[i]), i))
    rewritten = {k: v for k, v in tensors.items() if not k.startswith("weights/")}
    for new_index, i in enumerate(old):
        rewritten[f"weights/{new_index:05d}"] = tensors[f"weights/{i:05d}"]
    sizes = [tensors[f"weights/{i:05d}"].size for i in range(len(paths))]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    for name, value in tensors.items():  # the flat optimizer slots, segments in the old order
        if name.startswith("optimizer/") and value.shape == (starts[-1],):
            rewritten[name] = np.concatenate([value[starts[i]:starts[i + 1]] for i in old])
    metadata["weight_paths"] = json.dumps([paths[i] for i in old])
    save_file(rewritten, tmp_path / "old.safetensors", metadata=metadata)

    loaded = load_model(tmp_path / "old.safetensors")
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    for name, value in model.optimizer.variables.items():
        np.testing.assert_array_equal(np.asarray(value),
                                      np.asarray(loaded.optimizer.variables[name]))
    model.fit(x, x[:, :1], epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, x[:, :1], epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
