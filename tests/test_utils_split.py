"""split_dataset on arrays, tuples and dicts: sizes by Keras's rules, Keras's shuffled order (the
permutation of random.seed(seed); random.shuffle), and argument checks."""

import random

import numpy as np
import pytest

from shendu.errors import ArgumentError, ShapeError
from shendu.utils import split_dataset


@pytest.mark.parametrize("left, right, sizes", [
    (0.8, None, (8, 2)), (None, 3, (7, 3)), (2, 0.5, (2, 5)), (0.25, None, (2, 8)),
    (0.35, None, (4, 6)), (3, 7, (3, 7)), (0.3, 0.3, (3, 3)),
])
def test_sizes_follow_kerass_rules(left, right, sizes):
    # a float is round(fraction * n) (Python's round: 0.25 * 10 = 2.5 -> 2); the right part is
    # the last samples, so both sizes given may leave a gap in the middle
    a, b = split_dataset(np.arange(10), left_size=left, right_size=right)
    assert (len(a), len(b)) == sizes
    assert a.tolist() == list(range(sizes[0])) and b.tolist() == list(range(10 - sizes[1], 10))


def test_a_tuple_of_arrays_is_split_row_by_row_and_comes_back_as_tuples():
    x, y = np.arange(20).reshape(10, 2), np.arange(10) * 10
    (xa, ya), (xb, yb) = split_dataset([x, y], left_size=0.6)
    assert xa.shape == (6, 2) and ya.tolist() == [0, 10, 20, 30, 40, 50]
    np.testing.assert_array_equal(xb, x[6:])
    assert np.shares_memory(xa, x)  # without shuffling the parts are views


def test_a_dict_of_arrays_comes_back_as_dicts():
    a, b = split_dataset({"x": np.arange(4), "w": np.ones(4)}, right_size=1)
    assert list(a) == ["x", "w"] and a["x"].tolist() == [0, 1, 2] and b["x"].tolist() == [3]


def test_shuffle_gives_the_permutation_keras_gets_from_python_random():
    x, y = np.arange(30).reshape(10, 3), np.arange(10)
    (xa, ya), (xb, yb) = split_dataset((x, y), left_size=7, right_size=2, shuffle=True, seed=9)
    samples = list(range(10))
    random.seed(9)
    random.shuffle(samples)  # what Keras does (it reseeds Python's global generator)
    assert ya.tolist() == samples[:7] and yb.tolist() == samples[-2:]
    np.testing.assert_array_equal(xa, x[samples[:7]])


def test_shuffle_leaves_pythons_global_generator_alone():
    random.seed(1)
    expected = random.random()
    random.seed(1)
    split_dataset(np.arange(10), left_size=0.5, shuffle=True, seed=4)
    assert random.random() == expected


def test_shuffle_without_seed_follows_set_random_seed():
    from shendu.utils import set_random_seed

    set_random_seed(5)
    a1, _ = split_dataset(np.arange(50), left_size=0.5, shuffle=True)
    set_random_seed(5)
    a2, _ = split_dataset(np.arange(50), left_size=0.5, shuffle=True)
    assert a1.tolist() == a2.tolist()


@pytest.mark.parametrize("left, right, match", [
    (None, None, "give left_size or right_size"),
    ("0.5", None, "left_size must be an int, a float or None, got str"),
    (None, True, "right_size must be an int, a float or None, got bool"),
    (0, None, "left_size as a count must lie in 1 .. 9"),
    (10, None, "left_size as a count must lie in 1 .. 9"),
    (None, 1.0, "right_size as a fraction must lie strictly between 0 and 1"),
    (0.7, 0.6, "left_size \\+ right_size must be at most 1"),
    (6, 5, "left_size and right_size ask for 6 \\+ 5 samples, more than the 10"),
    (0.01, None, "with 10 samples, left_size=0.01 .* leave the left part empty"),
])
def test_bad_sizes_are_refused(left, right, match):
    with pytest.raises(ArgumentError, match=f"split_dataset: {match}.*Hint"):
        split_dataset(np.arange(10), left_size=left, right_size=right)


def test_bad_datasets_are_refused():
    with pytest.raises(ArgumentError, match="split_dataset: dataset must be an array, or a "
                                            "tuple.*Hint"):
        split_dataset(iter([1, 2]), left_size=1)
    with pytest.raises(ShapeError, match="the same number of samples, got \\[3, 4\\].*Hint"):
        split_dataset((np.zeros(3), np.zeros(4)), left_size=1)
    with pytest.raises(ShapeError, match="part 0 of dataset is a scalar.*Hint"):
        split_dataset(np.float64(3), left_size=1)
    with pytest.raises(ArgumentError, match="dataset holds no arrays.*Hint"):
        split_dataset((), left_size=1)
