"""STFTSpectrogram and MelSpectrogram against torch.stft and a direct per-frame computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shendu.errors import ArgumentError, ShapeError
from shendu.layers import MelSpectrogram, STFTSpectrogram, deserialize, serialize


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


def waves(batch=2, samples=1000, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, samples))


def torch_stft(x, frame_length, step, fft_length, window, center=False):
    import torch

    return torch.stft(torch.tensor(x), n_fft=fft_length, hop_length=step, win_length=fft_length,
                      window=torch.tensor(window), center=center, pad_mode="reflect",
                      return_complex=True).numpy().transpose(0, 2, 1)


@pytest.mark.parametrize("mode,frame_length,step,fft_length,window,periodic,scaling", [
    ("psd", 64, 16, None, "hann", False, "density"),
    ("magnitude", 50, 25, 64, "hamming", True, "spectrum"),
    ("log", 32, 8, None, None, False, None),
])
def test_stft_spectrogram_matches_torch_stft(mode, frame_length, step, fft_length, window,
                                             periodic, scaling):
    import torch

    x = waves()
    layer = STFTSpectrogram(mode=mode, frame_length=frame_length, frame_step=step,
                            fft_length=fft_length, window=window, periodic=periodic,
                            scaling=scaling, dtype="float64")
    n_fft = fft_length or frame_length
    if window is None:
        w = np.ones(frame_length)
    else:
        fn = torch.hann_window if window == "hann" else torch.hamming_window
        w = fn(frame_length, periodic=periodic, dtype=torch.float64).numpy()
    if scaling == "density":
        w = w / math.sqrt((w ** 2).sum())
    elif scaling == "spectrum":
        w = w / w.sum()
    w = np.pad(w, (0, n_fft - frame_length))  # frames are zero-padded at the end to fft_length
    spec = torch_stft(x, frame_length, step, n_fft, w)
    psd = np.abs(spec) ** 2
    expected = {"psd": psd, "magnitude": np.sqrt(psd), "log": np.log(psd + 1e-6)}[mode]
    out = layer(x).numpy()
    assert out.shape == (2, 1 + (1000 - frame_length) // step, n_fft // 2 + 1)
    # torch frames n_fft samples, so it has fewer frames when n_fft > frame_length
    np.testing.assert_allclose(out[:, :expected.shape[1]], expected, rtol=1e-9, atol=1e-9)


def test_stft_same_padding_and_a_pure_tone():
    layer = STFTSpectrogram(mode="magnitude", frame_length=64, frame_step=32, padding="same")
    assert layer(waves(1, 1000)).shape == (1, math.ceil(1000 / 32), 33)
    t = np.arange(2048) / 8000
    tone = np.sin(2 * np.pi * 1000 * t)[None]  # 1 kHz at 8 kHz with 64 bins of 125 Hz
    spec = STFTSpectrogram(mode="psd", frame_length=64, frame_step=64)(tone).numpy()
    assert (spec.argmax(-1) == 8).all()


def direct_mel(x, fft_length, stride, rate, bins, fmin, fmax):
    """Per-frame loop: centred reflect-padded Hann frames, |rfft|², HTK triangles, dB."""
    def mel(f):
        return 1127.0 * math.log(1.0 + f / 700.0)

    padded = np.pad(x, fft_length // 2, mode="reflect")
    window = np.array([0.5 - 0.5 * math.cos(2 * math.pi * n / fft_length)
                       for n in range(fft_length)])
    edges = np.linspace(mel(fmin), mel(fmax), bins + 2)
    n_frames = 1 + len(x) // stride
    out = np.zeros((bins, n_frames))
    for f in range(n_frames):
        power = np.abs(np.fft.rfft(padded[f * stride:f * stride + fft_length] * window)) ** 2
        for k in range(1, fft_length // 2 + 1):  # the DC bin has no weight
            m = mel(k * rate / fft_length)
            for b in range(bins):
                lo, c, hi = edges[b], edges[b + 1], edges[b + 2]
                weight = max(0.0, min((m - lo) / (c - lo), (hi - m) / (hi - c)))
                out[b, f] += weight * power[k]
    return 10 * np.log10(np.maximum(out, 1e-10))


def test_mel_spectrogram_matches_a_direct_computation():
    x = waves(2, 600, seed=1)
    layer = MelSpectrogram(fft_length=128, sequence_stride=64, sampling_rate=8000,
                           num_mel_bins=10, min_freq=100.0, max_freq=3500.0, top_db=None,
                           dtype="float64")
    out = layer(x).numpy()
    assert out.shape == (2, 10, 1 + 600 // 64)
    for i in range(2):
        expected = direct_mel(x[i], 128, 64, 8000, 10, 100.0, 3500.0)
        np.testing.assert_allclose(out[i], expected, rtol=1e-9, atol=1e-9)


def test_mel_spectrogram_top_db_power_and_stft_part_against_torch():
    x = waves(1, 800, seed=2)
    floor = MelSpectrogram(fft_length=64, sequence_stride=32, sampling_rate=8000,
                           num_mel_bins=8, top_db=20.0)(x).numpy()
    np.testing.assert_allclose(floor.min(), floor.max() - 20.0, rtol=1e-5)
    import torch

    linear = MelSpectrogram(fft_length=64, sequence_stride=32, sampling_rate=8000,
                            num_mel_bins=8, power_to_db=False, mag_exp=1.0, dtype="float64")
    w = torch.hann_window(64, periodic=True, dtype=torch.float64).numpy()
    spec = np.abs(torch_stft(x, 64, 32, 64, w, center=True))
    from shendu.layers.audio import mel_weight_matrix

    expected = (spec @ mel_weight_matrix(8, 33, 8000, 20.0, 4000.0)).transpose(0, 2, 1)
    np.testing.assert_allclose(linear(x).numpy(), expected, rtol=1e-9, atol=1e-9)


def test_audio_layers_config_round_trip_and_errors():
    for layer in (STFTSpectrogram(frame_length=32, frame_step=8),
                  MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=8)):
        clone = deserialize(serialize(layer))
        assert clone.get_config() == layer.get_config()
        assert layer.weights == []
        np.testing.assert_allclose(clone(waves()).numpy(), layer(waves()).numpy())
    with pytest.raises(ArgumentError, match="mode"):
        STFTSpectrogram(mode="angle")
    with pytest.raises(ArgumentError, match="fft_length"):
        STFTSpectrogram(frame_length=64, fft_length=32)
    with pytest.raises(ShapeError, match="samples"):
        MelSpectrogram()(np.zeros((2, 3, 4)))
    with pytest.raises(ShapeError, match="shorter"):
        STFTSpectrogram(frame_length=64)(np.zeros((1, 10)))
