"""keras.initializers names shendu lacked: the lowercase aliases (the same classes, as in
Keras 3), IdentityInitializer / OrthogonalInitializer, STFT / STFTInitializer, deserialize,
and VarianceScaling's input_axes / output_axes. References: torch.nn.init, NumPy's FFT, hand
computations, and numbers printed by Keras 3.15.1 (noted where used)."""

import math

import numpy as np
import pytest
import torch

from shendu import initializers
from shendu.errors import ArgumentError

ALIASES = {"constant": "Constant", "glorot_normal": "GlorotNormal",
           "glorot_uniform": "GlorotUniform", "he_normal": "HeNormal", "he_uniform": "HeUniform",
           "identity": "Identity", "lecun_normal": "LecunNormal", "lecun_uniform": "LecunUniform",
           "ones": "Ones", "orthogonal": "Orthogonal", "random_normal": "RandomNormal",
           "random_uniform": "RandomUniform", "stft": "STFT",
           "truncated_normal": "TruncatedNormal", "variance_scaling": "VarianceScaling",
           "zeros": "Zeros", "IdentityInitializer": "Identity",
           "OrthogonalInitializer": "Orthogonal", "STFTInitializer": "STFT"}


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_keras_aliases_are_the_same_classes(alias):
    cls = getattr(initializers, alias)
    assert cls is getattr(initializers, ALIASES[alias])
    assert type(initializers.get(alias)) is cls
    assert type(initializers.get({"class_name": alias, "config": {}})) is cls


def test_identity_matches_torch_eye():
    expected = 3.0 * torch.nn.init.eye_(torch.empty(3, 5)).numpy()
    np.testing.assert_array_equal(initializers.IdentityInitializer(gain=3.0)((3, 5)), expected)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 5)])
def test_orthogonal_is_orthonormal_as_torch_orthogonal(shape):
    gain = 1.5
    mine = initializers.OrthogonalInitializer(gain=gain, seed=3)(shape).reshape(-1, shape[-1])
    theirs = torch.nn.init.orthogonal_(torch.empty(shape[-1], math.prod(shape[:-1])), gain)
    theirs = theirs.numpy().T  # torch orthonormalizes rows of (out, in); ours columns of (in, out)
    for q in (mine, theirs):
        small = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
        np.testing.assert_allclose(small, gain ** 2 * np.eye(min(q.shape)), atol=1e-5)


@pytest.mark.parametrize("side, part", [("real", np.real), ("imag", np.imag)])
@pytest.mark.parametrize("window, scaling", [("hann", "density"), ("hamming", "spectrum"),
                                             (None, None), ("hann", None)])
def test_stft_kernel_computes_the_windowed_rfft(side, part, window, scaling):
    frame_length, bins = 8, 5  # 8 FFT points
    kernel = initializers.STFT(side, window, scaling, periodic=True)((frame_length, 1, bins),
                                                                     dtype="float64")
    frame = np.random.default_rng(0).normal(size=frame_length)
    w = np.ones(frame_length) if window is None else np.asarray(
        torch.hann_window(frame_length, periodic=True, dtype=torch.float64) if window == "hann"
        else torch.hamming_window(frame_length, periodic=True, dtype=torch.float64))
    scale = {"density": np.sqrt(np.sum(w ** 2)), "spectrum": np.sum(w), None: 1.0}[scaling]
    expected = part(np.fft.rfft(frame * w)) / scale
    np.testing.assert_allclose(frame @ kernel[:, 0, :], expected, atol=1e-12)


def test_stft_matches_keras_numbers():
    # printed by Keras 3.15.1: keras.initializers.STFT(side, window, scaling, periodic)((4, 1, 3))
    real = [0.0, 0.0, 0.0, 0.7071068, 0.0, -0.7071068, 0.7071068, -0.7071068, 0.7071068,
            0.0, 0.0, 0.0]
    imag = [0.0, 0.0, 0.0, 0.0, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0]
    got_real = initializers.STFT("real", "hann", "density", False)((4, 1, 3))
    got_imag = initializers.STFTInitializer("imag", "hamming", "spectrum", True)((4, 1, 3))
    assert got_real.dtype == np.float32
    np.testing.assert_allclose(got_real.ravel(), real, atol=1e-6)
    np.testing.assert_allclose(got_imag.ravel(), imag, atol=1e-6)


def test_stft_config_round_trips_and_bad_arguments_are_refused():
    init = initializers.STFT("imag", window=[0.5, 1.0, 0.5], scaling="spectrum")
    config = initializers.serialize(init)
    assert config["config"] == {"side": "imag", "window": [0.5, 1.0, 0.5], "periodic": False,
                                "scaling": "spectrum"}
    again = initializers.deserialize(config)
    np.testing.assert_array_equal(again((3, 1, 2)), init((3, 1, 2)))
    for kwargs, word in [({"side": "both"}, "side"), ({"window": "kaiser"}, "window"),
                         ({"scaling": "l2"}, "scaling"), ({"periodic": 1}, "periodic")]:
        with pytest.raises(ArgumentError, match=f"STFT: {word}.*Hint"):
            initializers.STFT(**kwargs)
    with pytest.raises(ArgumentError, match="STFT: expected a kernel shape"):
        initializers.STFT()((4, 3))
    with pytest.raises(ArgumentError, match="frame_length=4"):
        initializers.STFT(window=[1.0, 1.0])((4, 1, 3))


def test_deserialize_reads_keras_dicts():
    # keras.initializers.serialize(keras.initializers.GlorotUniform(seed=1)) in Keras 3.15.1
    config = {"module": "keras.initializers", "class_name": "GlorotUniform",
              "config": {"seed": 1, "input_axes": None, "output_axes": None},
              "registered_name": None}
    init = initializers.deserialize(config)
    assert type(init) is initializers.GlorotUniform and init.seed == 1
    with pytest.raises(ArgumentError, match="initializers.deserialize: expected a config dict"):
        initializers.deserialize("zeros")


def test_variance_scaling_fans_from_axes():
    # kernel (in=4, heads=2, size=3): fan_in 4, fan_out 2·3 = 6, so the limit is sqrt(6 / 5)
    init = initializers.VarianceScaling(1.0, "fan_avg", "uniform", seed=0,
                                        input_axes=[0], output_axes=[1, 2])
    values = init((4, 2, 3))
    assert np.abs(values).max() <= math.sqrt(6.0 / 5.0)
    # without axes it is a conv kernel: receptive field 4, fan_in 2·4 = 8, fan_out 3·4 = 12
    default = initializers.VarianceScaling(1.0, "fan_avg", "uniform", seed=0)((4, 2, 3))
    assert np.abs(default).max() <= math.sqrt(6.0 / 20.0)
    np.testing.assert_allclose(values / default, math.sqrt(10.0 / 5.0), rtol=1e-6)
    assert initializers.GlorotUniform(input_axes=[0], output_axes=[1, 2]).get_config() == {
        "seed": None, "input_axes": [0], "output_axes": [1, 2]}
    with pytest.raises(ArgumentError, match="input_axes must be None or a list"):
        initializers.HeNormal(input_axes=0)
