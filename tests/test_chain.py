"""The Sequential fast path (models/chain.py) gives the same numbers as the autograd path."""

import numpy as np
import pytest

from shendu import backend, losses
from shendu.layers import Activation, Dense
from shendu.models import Sequential
from shendu.models.chain import ChainPlan
from shendu.utils import set_random_seed


# kind: (layers, loss, metrics, fused loss head expected)
def _spec(kind):
    if kind == "binary":  # sigmoid + binary_crossentropy: fused head
        return ([Dense(16, activation="relu", input_dim=8), Dense(8, activation="tanh"),
                 Dense(1, activation="sigmoid")], "binary_crossentropy", ["accuracy"], True)
    if kind == "softmax":  # an Activation layer as the head + sparse labels: fused head
        return ([Dense(16, activation="relu", input_dim=8), Dense(4), Activation("softmax")],
                "sparse_categorical_crossentropy", ["accuracy"], True)
    if kind == "categorical":  # softmax Dense + one-hot targets: fused head
        return ([Dense(16, activation="elu", input_dim=8), Dense(4, activation="softmax")],
                "categorical_crossentropy", ["accuracy"], True)
    if kind == "logits":  # linear output + from_logits=True: fused head
        return ([Dense(16, activation="relu", input_dim=8), Dense(1)],
                losses.BinaryCrossentropy(from_logits=True), None, True)
    if kind == "mse":  # linear output + mse: fused head
        return ([Dense(16, activation="sigmoid", input_dim=8), Dense(3)], "mse", None, True)
    if kind == "mse_l2":  # a regularizer: autograd loss, gradients accumulated
        return ([Dense(16, activation="sigmoid", input_dim=8, kernel_regularizer="l2"),
                 Dense(3, use_bias=False)], "mse", None, False)
    if kind == "smoothing":  # label smoothing: no fused form, autograd loss
        return ([Dense(8, activation="relu", input_dim=8), Dense(1, activation="sigmoid")],
                losses.BinaryCrossentropy(label_smoothing=0.1), ["accuracy"], False)
    raise AssertionError(kind)


def _build(kind, seed=0):
    set_random_seed(seed)
    layers, loss, metrics, _ = _spec(kind)
    model = Sequential(layers)
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def _data(kind):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 8))
    if kind in ("binary", "logits", "smoothing"):
        return x, (x[:, :1] > 0).astype(float)
    if kind == "softmax":
        return x, rng.integers(0, 4, size=64)
    if kind == "categorical":
        return x, np.eye(4)[rng.integers(0, 4, size=64)]
    return x, rng.normal(size=(64, 3))


def _fit_both(kind, **fit_kwargs):
    backend.set_floatx("float64")
    x, y = _data(kind)
    results = []
    for fast in (True, False):
        model = _build(kind)
        model.use_fast_path = fast
        history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                            **fit_kwargs)
        assert (model._plan is not None) == fast
        results.append((model, history.history, model.predict(x, verbose=0)))
    return results


def _assert_same(results):
    (m_fast, h_fast, p_fast), (m_slow, h_slow, p_slow) = results
    for a, b in zip(m_fast.get_weights(), m_slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert h_fast.keys() == h_slow.keys()
    for key in h_slow:
        np.testing.assert_allclose(h_fast[key], h_slow[key], rtol=1e-10)
    np.testing.assert_allclose(p_fast, p_slow, rtol=1e-10, atol=1e-12)


KINDS = ["binary", "softmax", "categorical", "logits", "mse", "mse_l2", "smoothing"]


@pytest.mark.parametrize("kind", KINDS)
def test_fast_path_matches_autograd_path(kind):
    results = _fit_both(kind)
    plan = results[0][0]._plan
    fused_expected = _spec(kind)[3]
    # the fused loss head is taken exactly where expected (gradients written straight into
    # the flat buffer whenever nothing else adds to them)
    assert plan.direct_grads == (kind != "mse_l2")
    x, y = _data(kind)
    z = plan.forward(x[:4], training=True)
    head = None if plan.head is None else plan.head.kernel
    fused = plan.model.loss.value_and_grad(y[:4], z, head)
    assert (plan.direct_grads and fused is not None) == fused_expected
    _assert_same(results)


@pytest.mark.parametrize("kind", ["binary", "softmax"])
def test_fast_path_with_sample_weights_matches_autograd_path(kind):
    # sample weights: the loss goes through autograd while gradients still go straight in
    weights = np.linspace(0.5, 2.0, 64)
    _assert_same(_fit_both(kind, sample_weight=weights))


def test_predict_plan_is_cached_and_rebuilt_when_layers_change():
    backend.set_floatx("float64")
    model = _build("binary")
    x, y = _data("binary")
    model.fit(x, y, epochs=1, verbose=0)
    plan = model._plan
    first = model.predict(x[:3], verbose=0)
    assert model._plan is plan  # fit's plan serves predict
    model.set_weights([w * 0.5 for w in model.get_weights()])
    np.testing.assert_allclose(model.predict(x[:3], verbose=0),
                               model(x[:3], training=False).data, rtol=1e-12)
    assert not np.allclose(model.predict(x[:3], verbose=0), first)
    model.pop()
    model.add(Dense(2, activation="softmax"))
    assert model.predict(x[:3], verbose=0).shape == (3, 2)
    assert model._plan is not plan


def test_plan_is_refused_for_a_layer_without_chain_steps():
    from shendu.layers import Layer

    class Doubler(Layer):
        def call(self, inputs):
            return inputs * 2.0

    model = Sequential([Dense(2, input_dim=3), Doubler()])
    assert ChainPlan.for_model(model) is None
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert model._plan is None


# -- buffers kept between steps (ops/fused.py Linear.use_buffers) ------------------------------
def _fit_pair(make_layers, loss, x, y, **fit_kwargs):
    """(model, history, predictions) for the fast path and for autograd, same start."""
    backend.set_floatx("float64")
    results = []
    for fast in (True, False):
        set_random_seed(0)
        model = Sequential(make_layers())
        model.compile(optimizer="adam", loss=loss, metrics=fit_kwargs.pop("metrics", None))
        model.use_fast_path = fast
        history = model.fit(x, y, epochs=3, shuffle=False, verbose=0, **fit_kwargs)
        assert (model._plan is not None) == fast
        results.append((model, history.history, model.predict(x, verbose=0)))
    return results


def _layers_with_gaps():
    # an Activation layer and a Flatten between Linears: their gradients are not the Linears'
    from shendu.layers import Flatten

    return [Dense(6, activation="relu", input_shape=(3, 4)), Flatten(), Dense(16),
            Activation("relu"), Dense(8, activation="relu"), Dense(1, activation="sigmoid")]


@pytest.mark.parametrize("batch_size", [24, 64, 7])
def test_kept_buffers_match_autograd_with_short_batches_and_layers_between(batch_size):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 3, 4))
    y = (x[:, 0, :1] > 0).astype(float)
    results = _fit_pair(_layers_with_gaps, "binary_crossentropy", x, y, batch_size=batch_size)
    _assert_same(results)
    # each Linear keeps one set of buffers per batch size met (full and last, shorter batch)
    linears = [fn for fn, _ in results[0][0]._plan.train_steps if hasattr(fn, "_buffer_sets")]
    assert len(linears) == 4
    sizes = {batch_size, 64 % batch_size or batch_size}
    assert all({rows for rows, _ in fn._buffer_sets} == {s * (3 if i == 0 else 1)
                                                         for s in sizes}
               for i, fn in enumerate(linears))


class _KeepPredictions:
    """A metric that keeps every y_pred it is given (as some user metrics do)."""

    def __new__(cls):
        from shendu.metrics import Metric

        class Keep(Metric):
            def reset_state(self):
                self.seen = getattr(self, "seen", [])

            def update_state(self, y_true, y_pred, sample_weight=None):
                self.seen.append(y_pred)

            def result(self):
                return 0.0

        return Keep(name="keep")


@pytest.mark.parametrize("kind", ["binary", "mse"])
def test_predictions_handed_to_metrics_are_not_overwritten_by_later_steps(kind):
    x, y = _data(kind)
    kept = []
    for fast in (True, False):
        backend.set_floatx("float64")
        set_random_seed(0)
        layers, loss, _, _ = _spec(kind)
        model = Sequential(layers)
        keep = _KeepPredictions()
        model.compile(optimizer="adam", loss=loss, metrics=[keep])
        model.use_fast_path = fast
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        kept.append(keep.seen)
    assert len(kept[0]) == len(kept[1]) == 8
    for a, b in zip(*kept):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# -- a convolution and the max pooling after it run as one op (ops/conv_pool.py) --------------
def _conv_pool_layers(case):
    from shendu import layers as L

    conv, pool, shape = {
        # odd output (11 → pooled 5): the 11th row and column are not computed
        "relu_odd": (L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2), (13, 13, 2)),
        "leaky_same": (L.Conv2D(3, 3, padding="same", activation="leaky_relu"),
                       L.MaxPooling2D(2, padding="same"), (7, 7, 1)),
        "tanh_overlap": (L.Conv2D(3, (2, 3), activation="tanh"), L.MaxPooling2D(3, strides=2),
                         (10, 11, 2)),
        "linear_strided": (L.Conv2D(2, 3, strides=2), L.MaxPooling2D((2, 1)), (12, 9, 3)),
        "channels_first": (L.Conv2D(3, 3, activation="relu", data_format="channels_first"),
                           L.MaxPooling2D(2, data_format="channels_first"), (2, 9, 8)),
        "conv1d": (L.Conv1D(4, 3, activation="relu"), L.MaxPooling1D(2), (13, 3)),
        "elu_not_fused": (L.Conv2D(3, 3, activation="elu"), L.MaxPooling2D(2), (9, 9, 1)),
        # not the first layer: its input gradient is needed, so its rows keep their order
        "second_conv": (L.Conv2D(3, 2, activation="relu"), L.MaxPooling2D(2), (10, 10, 1)),
    }[case]
    first = [L.Conv2D(2, 2, activation="relu")] if case == "second_conv" else []
    return [L.Input(shape=shape), *first, conv, pool, L.Flatten(),
            L.Dense(1, activation="sigmoid")]


@pytest.mark.parametrize("case", ["relu_odd", "leaky_same", "tanh_overlap", "linear_strided",
                                  "channels_first", "conv1d", "elu_not_fused",
                                  "second_conv"])
def test_conv_and_max_pool_fused_match_autograd_path(case):
    rng = np.random.default_rng(3)
    shape = _conv_pool_layers(case)[0].shape[1:]
    x = rng.normal(size=(24, *shape))
    x[:8] = 0.0  # blank inputs: every window of z holds the bias, tied maxima everywhere
    x[8:16, ..., :1] = np.abs(x[8:16, ..., :1]).round()  # more ties, among small integers
    y = (x.reshape(24, -1).mean(axis=1) > 0).astype(float)
    results = _fit_pair(lambda: _conv_pool_layers(case), "binary_crossentropy", x, y,
                        batch_size=8)
    _assert_same(results)
    steps = results[0][0]._plan.train_steps
    fused = steps[1 if case == "second_conv" else 0][0]
    assert (type(fused).__name__ == "ConvMaxPool") == (case != "elu_not_fused")
    if case == "relu_odd":  # the conv computes only the 10×10 outputs the pool reads
        assert fused.conv.out_hw == (10, 10)
    # a first layer on few channels, pooled 2×2: its GEMM rows come in window order
    window = {"relu_odd": (2, 2), "leaky_same": None, "tanh_overlap": None,
              "linear_strided": (2, 1), "second_conv": None}.get(case)
    if case in ("relu_odd", "linear_strided", "second_conv"):
        assert fused.conv.rows_by_window == window


def test_conv_pool_fusion_keeps_one_fused_op_for_steps_asked_again():
    from shendu.ops.conv_pool import fuse_conv_pool

    layers = _conv_pool_layers("relu_odd")
    model = Sequential(layers)
    model.build_from_shape((None, 13, 13, 2))
    steps = [s for layer in model.layers for s in layer.chain_steps(True)]
    first, again = fuse_conv_pool(steps), fuse_conv_pool(steps)
    assert first[0][0] is again[0][0] and len(first) == len(steps) - 1
    # the layer's own Conv op keeps its activation: the fused op runs a copy without it
    assert type(steps[0][0].kernel).__name__ == "ReLU"
    assert type(first[0][0].conv.kernel).__name__ == "Linear"


@pytest.mark.parametrize("case", ["relu_odd", "second_conv", "tanh_overlap"])
def test_conv_pool_kept_buffers_across_batch_sizes_match_autograd_path(case):
    """The fused op keeps its output, dL/dx and temporaries from one step to the next
    (``keep_io``): batches of 8, 8 and a last one of 5, shuffled, give the autograd
    path's weights and losses."""
    rng = np.random.default_rng(4)
    shape = _conv_pool_layers(case)[0].shape[1:]
    x = rng.normal(size=(21, *shape))
    y = (x.reshape(21, -1).mean(axis=1) > 0).astype(float)
    results = _fit_pair(lambda: _conv_pool_layers(case), "binary_crossentropy", x, y,
                        batch_size=8)
    _assert_same(results)
    fused = results[0][0]._plan.train_steps[1 if case == "second_conv" else 0][0]
    assert type(fused).__name__ == "ConvMaxPool" and fused.keep_io


def test_conv_pool_reuses_its_arrays_from_step_to_step():
    """In a chain the fused ops' outputs, argmax indices and input gradients are kept buffers:
    the same arrays every step of one batch size (fresh multi-megabyte arrays would cost page
    faults every step)."""
    from shendu import layers as L
    from shendu.callbacks import Callback

    backend.set_floatx("float32")
    set_random_seed(0)
    model = Sequential([L.Input(shape=(12, 12, 1)), L.Conv2D(4, 3, activation="relu"),
                        L.MaxPooling2D(2), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2),
                        L.Flatten(), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 12, 12, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0).astype("float32")
    seen = []

    class Record(Callback):
        def on_train_batch_end(self, batch, logs=None):
            first, second = (fn for fn, _ in model._plan.train_steps[:2])
            grad_in = second.conv._scratch.buffers["grad_in"]  # conv2's dL/dx, by shape
            assert len(grad_in) == 1
            arrays = (first.y, first.index, second.y, second.pool.index,
                      *grad_in.values())
            seen.append(tuple(a.ctypes.data for a in arrays))  # where their data live

    model.fit(x, y, batch_size=8, epochs=2, shuffle=True, verbose=0, callbacks=[Record()])
    assert len(seen) == 8
    assert all(later == seen[0] for later in seen[1:]), seen
