"""timeseries_dataset_from_array: windows and targets checked against hand-worked examples (the
same values Keras 3.15 gives), batching, shuffling, memory maps, fit, and argument checks."""

import numpy as np
import pytest

from shendu import layers, models
from shendu.data.sources import PyDataset
from shendu.errors import ArgumentError, ShapeError
from shendu.utils import timeseries_dataset_from_array


def _all(ds):
    parts = [ds[i] for i in range(len(ds))]
    if isinstance(parts[0], tuple):
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    return np.concatenate(parts), None


def test_windows_step_by_one_and_target_the_first_step():
    ds = timeseries_dataset_from_array(np.arange(6), np.arange(6) * 10, sequence_length=3,
                                       batch_size=2)
    assert isinstance(ds, PyDataset) and len(ds) == 2  # 6 - 3 + 1 = 4 windows
    x, y = ds[0]
    assert x.tolist() == [[0, 1, 2], [1, 2, 3]] and y.tolist() == [0, 10]
    x, y = ds[1]
    assert x.tolist() == [[2, 3, 4], [3, 4, 5]] and y.tolist() == [20, 30]


def test_stride_sampling_rate_and_a_short_last_batch():
    # starts every 3 steps; windows of 4 steps taken 2 apart span 7 steps: 25 - 6 = 19 starts
    data = np.arange(50).reshape(25, 2)
    ds = timeseries_dataset_from_array(data, None, sequence_length=4, sequence_stride=3,
                                       sampling_rate=2, batch_size=3)
    x, _ = _all(ds)
    starts = list(range(0, 19, 3))  # 0, 3, ..., 18: 7 windows, batches of 3, 3, 1
    assert [len(ds[i]) for i in range(len(ds))] == [3, 3, 1]
    assert x.shape == (7, 4, 2)
    for window, s in zip(x, starts):
        np.testing.assert_array_equal(window, data[[s, s + 2, s + 4, s + 6]])


def test_start_and_end_index_limit_the_steps_used():
    # steps 3 .. 19: windows of steps (s, s+3) for s = 3 .. 16, targets[s]
    data, targets = np.arange(25), np.arange(25) * 10
    ds = timeseries_dataset_from_array(data, targets, sequence_length=2, sampling_rate=3,
                                       start_index=3, end_index=20, batch_size=4)
    x, y = _all(ds)
    assert x[:, 0].tolist() == list(range(3, 17)) and (x[:, 1] - x[:, 0] == 3).all()
    assert y.tolist() == [10 * s for s in range(3, 17)]


def test_fewer_targets_cap_the_number_of_windows():
    ds = timeseries_dataset_from_array(np.arange(10), np.arange(4), sequence_length=3,
                                       batch_size=None)
    assert len(ds) == 4 and ds[3][0].tolist() == [3, 4, 5] and ds[3][1] == 3


def test_the_keras_forecasting_recipe_pairs_windows_with_the_next_step():
    # Keras's docstring example: predict step t+10 from steps t .. t+9
    data = np.arange(100)
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10,
                                       batch_size=200)
    x, y = ds[0]
    assert len(ds) == 1 and x.shape == (81, 10)
    np.testing.assert_array_equal(x[0], np.arange(10))
    assert y[0] == 10 and y[-1] == 90


def test_batch_size_none_serves_single_windows():
    ds = timeseries_dataset_from_array(np.arange(5.0), None, sequence_length=2, batch_size=None)
    assert len(ds) == 4 and ds[0].shape == (2,) and ds[-1].tolist() == [3.0, 4.0]


def test_shuffle_permutes_the_starts_as_numpy_randomstate_does():
    ds = timeseries_dataset_from_array(np.arange(30), np.arange(30), sequence_length=5,
                                       shuffle=True, seed=11, batch_size=7)
    expected = np.arange(26)
    np.random.RandomState(11).shuffle(expected)
    x, y = _all(ds)
    assert x[:, 0].tolist() == expected.tolist() and y.tolist() == expected.tolist()
    again = timeseries_dataset_from_array(np.arange(30), np.arange(30), sequence_length=5,
                                          shuffle=True, seed=11, batch_size=7)
    np.testing.assert_array_equal(_all(again)[0], x)


def test_shuffle_without_seed_follows_set_random_seed():
    from shendu.utils import set_random_seed

    orders = []
    for _ in range(2):
        set_random_seed(3)
        ds = timeseries_dataset_from_array(np.arange(30), None, sequence_length=2, shuffle=True)
        orders.append(ds[0][:, 0].tolist())
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(29))


def test_a_memory_mapped_series_is_read_batch_by_batch(tmp_path):
    path = tmp_path / "series.npy"
    np.save(path, np.arange(40, dtype="float32").reshape(20, 2))
    data = np.load(path, mmap_mode="r")
    ds = timeseries_dataset_from_array(data, None, sequence_length=3, batch_size=4)
    assert ds.data is data
    np.testing.assert_array_equal(ds[1][0], np.asarray(data[4:7]))


def test_fit_trains_on_the_windows():
    rng = np.random.default_rng(0)
    series = rng.normal(size=(64, 1)).astype("float32")
    ds = timeseries_dataset_from_array(series[:-4], series[4:, 0], sequence_length=4,
                                       batch_size=16)
    model = models.Sequential([layers.Input((4, 1)), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(ds, verbose=0).shape == (57, 1)


@pytest.mark.parametrize("kwargs, match", [
    ({"sequence_length": 0}, "sequence_length must be a whole number >= 1"),
    ({"sequence_length": 2.5}, "sequence_length must be a whole number >= 1"),
    ({"sequence_length": 2, "sampling_rate": 0}, "sampling_rate must be a whole number >= 1"),
    ({"sequence_length": 2, "sequence_stride": -1}, "sequence_stride must be a whole number"),
    ({"sequence_length": 2, "batch_size": 0}, "batch_size must be a whole number >= 1 or None"),
    ({"sequence_length": 2, "start_index": -1}, "start_index must be a whole number >= 0"),
    ({"sequence_length": 2, "sampling_rate": 10}, "sampling_rate must be smaller than the "
                                                  "length of data"),
    ({"sequence_length": 2, "sequence_stride": 12}, "sequence_stride must be smaller"),
    ({"sequence_length": 2, "start_index": 5, "end_index": 5}, "need 0 <= start_index < "
                                                               "end_index <= len"),
    ({"sequence_length": 2, "end_index": 11}, "need 0 <= start_index < end_index"),
    ({"sequence_length": 11},
     r"steps 0 to 10 \(10 steps\) are too few for one window of 11 steps"),
    ({"sequence_length": 4, "sampling_rate": 4},
     r"steps 0 to 10 .* too few for one window of 13 steps"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ArgumentError, match=f"timeseries_dataset_from_array: {match}.*Hint"):
        timeseries_dataset_from_array(np.arange(10), None, **kwargs)


def test_bad_data_is_refused():
    with pytest.raises(ArgumentError, match="data must be an array with time along its first"):
        timeseries_dataset_from_array(None, None, sequence_length=2)
    with pytest.raises(ShapeError, match="targets must have a time axis"):
        timeseries_dataset_from_array(np.arange(5), np.array(1.0), sequence_length=2)


def test_indexing_past_the_end_raises_index_error():
    ds = timeseries_dataset_from_array(np.arange(5), None, sequence_length=2, batch_size=2)
    with pytest.raises(IndexError, match="batch 2 of 2 does not exist"):
        ds[2]
    with pytest.raises(ArgumentError, match="index must be an int"):
        ds["0"]
