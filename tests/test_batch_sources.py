"""fit / evaluate / predict on generators and PyDatasets, as Keras takes them: each is checked
against the same run on arrays (the trusted reference here is shendu's own array path, which
other tests check against Keras's formulas), and bad sources get named errors."""

import numpy as np
import pytest

from shendu import layers
from shendu.errors import ArgumentError, DataError, ShapeError
from shendu.models import Model, Sequential
from shendu.utils import PyDataset, Sequence, set_random_seed

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3)).astype("float32")
Y = (X @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]
SW = RNG.uniform(0.5, 2.0, size=20)


class Batches(PyDataset):
    """Batches of 6 rows of (X, Y[, SW]); records which batches were read and the hooks."""

    def __init__(self, x=X, y=Y, sw=None, size=6, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.sw, self.size = x, y, sw, size
        self.read, self.begun, self.ended = [], 0, 0

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, index):
        self.read.append(index)
        rows = slice(index * self.size, (index + 1) * self.size)
        if self.y is None:
            return self.x[rows]
        if self.sw is None:
            return self.x[rows], self.y[rows]
        return self.x[rows], self.y[rows], self.sw[rows]

    def on_epoch_begin(self):
        self.begun += 1

    def on_epoch_end(self):
        self.ended += 1


def stream(x=X, y=Y, size=6, forever=False):
    """A generator of (x, y) batches: one pass, or passes without end."""
    while True:
        for start in range(0, len(x), size):
            yield x[start:start + size], y[start:start + size]
        if not forever:
            return


def model(seed=0, loss="mse", metrics=None):
    set_random_seed(seed)
    m = Sequential([layers.Input(shape=(3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    m.compile(optimizer="sgd", loss=loss, metrics=metrics)
    return m


def same_weights(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


# -- training matches the same batches given as arrays ------------------------------------------
def test_fit_on_a_pydataset_in_order_equals_fit_on_the_arrays():
    on_arrays, on_source = model(), model()
    on_arrays.fit(X, Y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    data = Batches()
    history = on_source.fit(data, epochs=3, shuffle=False, verbose=0)
    same_weights(on_arrays, on_source)
    assert len(history.history["loss"]) == 3
    assert data.begun == data.ended == 3
    assert data.read == [0] + [0, 1, 2, 3] * 3  # batch 0 once more, to build and check


def test_a_shuffled_pydataset_visits_every_batch_once_an_epoch_in_a_seeded_order():
    orders = []
    for _ in range(2):
        data = Batches()
        model().fit(data, epochs=4, verbose=0)  # shuffle=True, fit's default
        epochs = [data.read[1 + 4 * e:5 + 4 * e] for e in range(4)]
        assert all(sorted(epoch) == [0, 1, 2, 3] for epoch in epochs)
        assert len({tuple(epoch) for epoch in epochs}) > 1  # the order changes between epochs
        orders.append(epochs)
    assert orders[0] == orders[1]  # set_random_seed makes it repeatable


def test_a_generator_continues_across_epochs_with_steps_per_epoch():
    on_arrays, on_stream = model(), model()
    on_arrays.fit(X, Y, batch_size=6, epochs=2, shuffle=False, verbose=0, steps_per_epoch=4)
    on_stream.fit(stream(forever=True), epochs=2, steps_per_epoch=4, verbose=0)
    same_weights(on_arrays, on_stream)
    half = model()  # 2 steps an epoch: epoch 2 reads batches 2 and 3 of the same pass
    batches = stream(forever=True)
    half.fit(batches, epochs=2, steps_per_epoch=2, verbose=0)
    np.testing.assert_array_equal(next(batches)[0], X[:6])


def test_a_finite_generator_ends_the_epoch_and_then_training_with_a_warning():
    on_arrays, on_stream = model(), model()
    on_arrays.fit(X, Y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    with pytest.warns(UserWarning, match="ran out of batches, so training stops"):
        history = on_stream.fit(stream(), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1
    same_weights(on_arrays, on_stream)


def test_sample_weights_and_class_weights_from_a_source_equal_the_array_path():
    a, b = model(), model()
    a.fit(X, Y, sample_weight=SW, batch_size=6, epochs=2, shuffle=False, verbose=0)
    b.fit(Batches(sw=SW), epochs=2, shuffle=False, verbose=0)
    same_weights(a, b)
    labels = (Y > 0).astype("float32")
    c, d = model(loss="binary_crossentropy"), model(loss="binary_crossentropy")
    weights = {0: 0.25, 1: 3.0}
    c.fit(X, labels, class_weight=weights, batch_size=6, epochs=2, shuffle=False, verbose=0)
    d.fit(Batches(y=labels), class_weight=weights, epochs=2, shuffle=False, verbose=0)
    same_weights(c, d)


def test_validation_on_a_source_equals_validation_on_arrays():
    a, b = model(metrics=["mae"]), model(metrics=["mae"])
    ha = a.fit(X, Y, batch_size=6, epochs=2, shuffle=False, verbose=0,
               validation_data=(X[:12], Y[:12]))
    hb = b.fit(Batches(), epochs=2, shuffle=False, verbose=0,
               validation_data=stream(X[:12], Y[:12], forever=True), validation_steps=2)
    assert sorted(hb.history) == ["loss", "mae", "val_loss", "val_mae"]
    np.testing.assert_allclose(hb.history["val_loss"], ha.history["val_loss"], rtol=1e-6)
    hc = model(metrics=["mae"]).fit(X, Y, epochs=1, verbose=0,
                                   validation_data=Batches(X[:12], Y[:12]))
    assert "val_mae" in hc.history


def test_evaluate_and_predict_on_sources_equal_the_arrays():
    m = model(metrics=["mae"])
    m.fit(X, Y, epochs=2, verbose=0)
    want = m.evaluate(X, Y, batch_size=6, verbose=0)
    np.testing.assert_allclose(m.evaluate(Batches(), verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(m.evaluate(stream(), verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(m.evaluate(stream(forever=True), steps=4, verbose=0), want,
                               rtol=1e-6)
    expected = m.predict(X, verbose=0)
    np.testing.assert_allclose(m.predict(Batches(y=None), verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(m.predict(Batches(), verbose=0), expected, rtol=1e-6)  # y unused
    np.testing.assert_allclose(m.predict((xb for xb, _ in stream()), verbose=0), expected,
                               rtol=1e-6)
    assert m.predict(stream(forever=True), steps=2, verbose=0).shape == (12, 1)


def test_threads_read_batches_ahead_and_keep_their_order():
    one = model()
    one.fit(Batches(), epochs=2, verbose=0)
    two = model()
    two.fit(Batches(workers=3, max_queue_size=2), epochs=2, verbose=0)
    same_weights(one, two)
    np.testing.assert_array_equal(two.predict(Batches(workers=2), verbose=0),
                                  two.predict(X, verbose=0))


def test_a_duck_typed_sequence_and_an_endless_pydataset_read_with_steps():
    class Indexed:  # neither subclass: __getitem__ and __len__ suffice
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return X[6 * index:6 * index + 6], Y[6 * index:6 * index + 6]

    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            index %= 4
            return X[6 * index:6 * index + 6], Y[6 * index:6 * index + 6]

    reference, duck, endless = model(), model(), model()
    reference.fit(X, Y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    duck.fit(Indexed(), epochs=2, shuffle=False, verbose=0)
    endless.fit(Endless(), epochs=2, steps_per_epoch=4, verbose=0)
    same_weights(reference, duck)
    same_weights(reference, endless)
    assert Sequence is PyDataset
    with pytest.raises(ArgumentError, match="has no end .* Hint: pass steps_per_epoch="):
        model().fit(Endless(), epochs=1, verbose=0)


def test_a_model_with_two_inputs_reads_dict_batches():
    a, b = layers.Input(shape=(3,), name="a"), layers.Input(shape=(2,), name="b")
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    set_random_seed(1)
    m = Model([a, b], out)
    m.compile(optimizer="sgd", loss="mse")
    x2 = RNG.normal(size=(20, 2)).astype("float32")

    def dict_batches():
        for s in range(0, 20, 5):
            yield {"a": X[s:s + 5], "b": x2[s:s + 5]}, Y[s:s + 5]

    history = m.fit(dict_batches(), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert m.predict(({"a": xa, "b": xb} for xa, xb in [(X, x2)]), verbose=0).shape == (20, 1)


def test_the_progress_line_without_a_known_number_of_steps(capsys):
    model().fit(stream(), epochs=1, verbose=1)
    assert "loss" in capsys.readouterr().out


# -- bad sources: a named error before any step -------------------------------------------------
def untouched(m, call):
    before = [w.copy() for w in m.get_weights()]
    call()
    same_weights_arrays = [np.array_equal(a, b) for a, b in zip(before, m.get_weights())]
    assert all(same_weights_arrays)


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(y=Y), "fit: y cannot be given with x as PyDataset Batches; the batches carry their "
                "targets"),
    (dict(sample_weight=SW), "sample_weight cannot be given .* return \\(x, y, sample_weight\\)"),
    (dict(validation_split=0.2), "validation_split cannot be given .* cannot be split"),
])
def test_arguments_the_batches_carry_are_refused(kwargs, pattern):
    m = model()

    def call():
        with pytest.raises(ArgumentError, match=pattern):
            m.fit(Batches(), verbose=0, **kwargs)
    untouched(m, call)


class Broken(PyDataset):
    def __init__(self, batch, count=3):
        super().__init__()
        self.batch, self.count = batch, count

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        return self.batch if index == self.count - 1 else (X[:6], Y[:6])


@pytest.mark.parametrize("source, error, pattern", [
    (lambda: Broken((X[:6], Y[:6], SW[:6], SW[:6])), ArgumentError,
     r"x: batch 2 of PyDataset Broken is a tuple of 4; expected x, \(x,\), \(x, y\)"),
    (lambda: Broken(X[:6]), ArgumentError,
     r"fit: batch 2 of x \(PyDataset Broken\): it has no targets; fit needs batches \(x, y\)"),
    (lambda: Broken((X[:6, :2], Y[:6])), ShapeError,
     r"fit: batch 2 of x \(PyDataset Broken\): Model '\w+': expected inputs of shape \(batch, 3\)"),
    (lambda: Broken((X[:6], Y[:5])), ShapeError,
     r"batch 2 of x .*: batch\[0\] and batch\[1\] have different lengths"),
    (lambda: Broken((np.full((6, 3), np.nan), Y[:6])), DataError,
     r"batch 2 of x .*: batch\[0\] \(x\): contains NaN"),
    (lambda: Broken((X[:6], Y[:6]), count=0), ArgumentError,
     r"fit: x \(PyDataset Broken\) gave no batches"),
    (lambda: iter([]), ArgumentError, "gave no batches .*spent once read to its end"),
])
def test_a_bad_batch_is_named_by_its_index(source, error, pattern):
    with pytest.raises(error, match=pattern):
        model().fit(source(), epochs=1, shuffle=False, verbose=0)


def test_a_bad_first_batch_changes_no_weight():
    m = model()

    def call():
        with pytest.raises(ShapeError, match="fit: batch 0 of x"):
            m.fit(iter([(X[:6, :2], Y[:6])]), verbose=0)
    untouched(m, call)


def test_a_generator_for_validation_read_more_than_once_is_refused_before_training():
    m = model()

    def call():
        with pytest.raises(ArgumentError, match="read to its end at the first validation, but "
                                                "validation runs 3 times. Hint: pass "
                                                "validation_steps="):
            m.fit(X, Y, epochs=3, verbose=0, validation_data=stream())
    untouched(m, call)


def test_bad_pydataset_settings_and_lengths_are_named():
    with pytest.raises(ArgumentError, match="PyDataset: workers must be a whole number >= 1, "
                                            "got 0"):
        Batches(workers=0)

    class Fractional(Batches):
        @property
        def num_batches(self):
            return 2.5

    with pytest.raises(ArgumentError, match="Fractional says it has 2.5 batches; expected a "
                                            "whole number"):
        model().fit(Fractional(), verbose=0)


def test_one_batch_calls_say_to_pass_the_source_to_fit():
    m = model()
    with pytest.raises(ArgumentError, match="x: got a generator, a source of batches .* Hint: "
                                            "pass the source itself to fit"):
        m.train_on_batch(stream())


def test_a_torch_dataloader_is_iterated_afresh_each_epoch():
    """Keras takes a torch DataLoader as x; so does shendu (its tensors become arrays)."""
    torch = pytest.importorskip("torch")
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)), batch_size=6)
    on_arrays, on_loader = model(), model()
    on_arrays.fit(X, Y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    history = on_loader.fit(loader, epochs=3, verbose=0, validation_data=loader)
    same_weights(on_arrays, on_loader)
    assert len(history.history["val_loss"]) == 3
    np.testing.assert_allclose(on_loader.predict(loader, verbose=0),
                               on_loader.predict(X, verbose=0), rtol=1e-6)
