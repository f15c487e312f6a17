"""STFTSpectrogram and MelSpectrogram against torch.stft and a direct per-frame computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shendu.errors import ArgumentError, ShapeError
from shendu.layers import MelSpectrogram, STFTSpectrogram, deserialize, serialize


def waves(batch=2, samples=1000, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, samples))


def torch_stft(x, frame_length, step, fft_length, window, center=False):
    import torch

    return torch.stft(torch.tensor(x), n_fft=fft_length, hop_length=step, win_length=fft_length,
                      window=torch.tensor(window), center=center, pad_mode="reflect",
                      return_complex=True).numpy().transpose(0, 2, 1)


def _keras_mode(spec, mode):
    """Keras's STFTSpectrogram outputs from a complex STFT (formulas from Keras's docs)."""
    eps = 1e-7
    power = spec.real ** 2 + spec.imag ** 2
    one_sided = power.copy()
    one_sided[..., 1:-1] *= 2
    magnitude = np.sqrt(np.maximum(power, eps))
    return {"psd": one_sided, "magnitude": magnitude,
            "log": np.log(np.maximum(magnitude, eps)), "real": spec.real, "imag": spec.imag,
            "angle": np.angle(spec), "stft": np.concatenate([spec.real, spec.imag], -1)}[mode]


# mode, frame_length, frame_step, fft_length, window, periodic, scaling
STFT_CASES = [
    ("psd", 64, 16, None, "hann", False, "density"),
    ("magnitude", 50, 25, 64, "hamming", True, "spectrum"),
    ("log", 32, 8, None, None, False, "density"),  # no window: no scaling either
    ("log", 48, None, None, "hann", False, "density"),  # step 24, fft 64 by default
    ("real", 40, 20, None, "hamming", False, None),
    ("imag", 32, 32, 64, "hann", True, "spectrum"),
    ("angle", 32, 10, None, "hann", False, "density"),
    ("stft", 24, 12, None, "hann", False, "density"),
]


@pytest.mark.parametrize("mode,frame_length,step,fft_length,window,periodic,scaling", STFT_CASES)
def test_stft_spectrogram_matches_torch_stft(mode, frame_length, step, fft_length, window,
                                             periodic, scaling):
    import torch

    x = waves()
    layer = STFTSpectrogram(mode=mode, frame_length=frame_length, frame_step=step,
                            fft_length=fft_length, window=window, periodic=periodic,
                            scaling=scaling, dtype="float64")
    n_fft = fft_length or 1 << (frame_length - 1).bit_length()
    step = step or frame_length // 2
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
    # torch frames n_fft samples; pad the clip so it frames every one of ours
    padded = np.pad(x, ((0, 0), (0, n_fft - frame_length)))
    spec = torch_stft(padded, frame_length, step, n_fft, w)
    frames = 1 + (1000 - frame_length) // step
    expected = _keras_mode(spec[:, :frames], mode)
    out = layer(x[..., None]).numpy()
    bins = (n_fft // 2 + 1) * (2 if mode == "stft" else 1)
    assert out.shape == (2, frames, bins)
    if mode == "angle":  # compare where the phase is well defined
        keep = np.abs(spec[:, :frames]) > 1e-6
        out, expected = out[keep], expected[keep]
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(layer(x).numpy(), layer(x[..., None]).numpy())  # one channel


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("expand_dims", [False, True])
def test_stft_channels_and_layouts_follow_keras(data_format, expand_dims):
    x = np.random.default_rng(3).normal(size=(2, 300, 3))  # (batch, samples, channels)
    per_channel = [STFTSpectrogram(frame_length=32, mode="psd")(x[..., c]).numpy()
                   for c in range(3)]  # each (batch, frames, bins)
    layer = STFTSpectrogram(frame_length=32, mode="psd", data_format=data_format,
                            expand_dims=expand_dims)
    out = layer(x if data_format == "channels_last" else x.transpose(0, 2, 1)).numpy()
    if data_format == "channels_last":
        expected = np.stack(per_channel, -1) if expand_dims else np.concatenate(per_channel, -1)
    else:
        expected = (np.stack(per_channel, 1) if expand_dims
                    else np.concatenate(per_channel, -1).transpose(0, 2, 1))
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_stft_same_padding_and_a_pure_tone():
    layer = STFTSpectrogram(mode="magnitude", frame_length=64, frame_step=32, padding="same")
    assert layer(waves(1, 1000)).shape == (1, math.ceil(1000 / 32), 33)
    same = STFTSpectrogram(mode="real", frame_length=8, frame_step=4, padding="same",
                           window=None)(np.arange(10.0)[None]).numpy()
    # ceil(10 / 4) = 3 frames of 8 need 2·4 + 8 − 10 = 6 zeros: 3 left, 3 right (as a conv)
    np.testing.assert_allclose(same[0, :, 0], [0 + 1 + 2 + 3 + 4, 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8,
                                               5 + 6 + 7 + 8 + 9])
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
        STFTSpectrogram(mode="phase")
    with pytest.raises(ArgumentError, match="frame_step"):
        STFTSpectrogram(frame_length=32, frame_step=64)
    with pytest.raises(ArgumentError, match="window"):
        STFTSpectrogram(frame_length=4, window=[1.0, 2.0])
    with pytest.raises(ArgumentError, match="fft_length"):
        STFTSpectrogram(frame_length=64, fft_length=32)
    with pytest.raises(ShapeError, match="samples"):
        MelSpectrogram()(np.zeros((2, 3, 4)))
    with pytest.raises(ShapeError, match="shorter"):
        STFTSpectrogram(frame_length=64)(np.zeros((1, 10)))
