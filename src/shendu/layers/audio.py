"""Audio preprocessing: STFTSpectrogram and MelSpectrogram (non-trainable, NumPy's rfft).

Inputs are (batch, samples) waveforms (a trailing channel axis of 1 is accepted). Outputs
carry no gradient: these layers are feature extractors to put in front of a model, or to run
once over a dataset (``layer(x).numpy()``).

>>> import numpy as np
>>> from shendu.layers import MelSpectrogram, STFTSpectrogram
>>> x = np.zeros((2, 8000), dtype="float32")
>>> STFTSpectrogram(frame_length=256, frame_step=128)(x).shape
(2, 61, 129)
>>> MelSpectrogram(fft_length=512, sequence_stride=256, sampling_rate=8000,
...                num_mel_bins=40)(x).shape
(2, 40, 32)
"""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..backend import epsilon, image_data_format
from ..errors import ArgumentError, ShapeError
from .base import Layer


def window_array(window: str | None, length: int, periodic: bool) -> np.ndarray:
    """Hann / Hamming (periodic or symmetric) or a rectangular window of ``length`` samples."""
    if window is None:
        return np.ones(length)
    n = np.arange(length)
    denom = length if periodic else max(length - 1, 1)
    a0 = {"hann": 0.5, "hamming": 0.54}[window]
    # w[n] = a0 - (1 - a0)·cos(2πn / N')
    return a0 - (1.0 - a0) * np.cos(2.0 * np.pi * n / denom)


def frames(x: np.ndarray, length: int, step: int) -> np.ndarray:
    """(..., samples) → (..., frames, length) strided windows (no padding)."""
    count = 1 + (x.shape[-1] - length) // step
    index = np.arange(length)[None, :] + step * np.arange(count)[:, None]
    return x[..., index]


def hertz_to_mel(f):
    """HTK mel scale: 1127 · ln(1 + f / 700)."""
    return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)


def mel_weight_matrix(num_mel_bins: int, num_spectrogram_bins: int, sampling_rate: float,
                      lower_edge_hertz: float, upper_edge_hertz: float) -> np.ndarray:
    """(num_spectrogram_bins, num_mel_bins) triangular filters, equally spaced in mel; the DC
    bin gets no weight (as Keras/TensorFlow's ``linear_to_mel_weight_matrix``)."""
    freqs = np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins)[1:]
    mel = hertz_to_mel(freqs)[:, None]
    edges = np.linspace(hertz_to_mel(lower_edge_hertz), hertz_to_mel(upper_edge_hertz),
                        num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    # weight = max(0, min((m - lower)/(center - lower), (upper - m)/(upper - center)))
    rising, falling = (mel - lower) / (center - lower), (upper - mel) / (upper - center)
    w = np.maximum(0.0, np.minimum(rising, falling))
    return np.concatenate([np.zeros((1, num_mel_bins)), w], axis=0)


class _AudioLayer(Layer):
    def _waveforms(self, inputs) -> np.ndarray:
        x = np.asarray(inputs.data if isinstance(inputs, Tensor) else inputs, dtype=np.float64)
        if x.ndim == 3 and x.shape[-1] == 1:
            x = x[..., 0]
        if x.ndim != 2:
            raise ShapeError(f"{type(self).__name__} '{self.name}': expected waveforms of shape "
                             f"(batch, samples), got {x.shape}. Hint: pad the clips to one "
                             "length and stack them.")
        return x

    def call(self, inputs):
        # preprocessing without a gradient: the spectrogram is computed on the arrays
        out = self._spectrogram(self._waveforms(inputs))
        return Tensor(out.astype(self.compute_dtype))


def _positive(value, where, arg):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ArgumentError(f"{where}: {arg} must be a positive integer, got {value!r}. "
                            "Hint: e.g. frame_length=256, frame_step=128.")
    return int(value)


STFT_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


def _stft_window(window, length: int, periodic: bool, scaling: str | None, where: str):
    """The frame window times Keras's scaling (1/√Σw² 'density', 1/Σ|w| 'spectrum'); no
    window means no scaling at all, as in Keras."""
    if window is None:
        return np.ones(length)
    if isinstance(window, str):
        w = window_array(window, length, periodic)
    else:
        w = np.asarray(window, dtype=np.float64)
        if w.shape != (length,):
            raise ArgumentError(f"{where}: a window array must have frame_length={length} "
                                f"values, got shape {w.shape}. Hint: window='hann'.")
    if scaling == "density":
        return w / np.sqrt(np.sum(w ** 2))
    return w / np.sum(np.abs(w)) if scaling == "spectrum" else w


class STFTSpectrogram(_AudioLayer):
    """Keras's ``STFTSpectrogram(mode="log", frame_length=256, frame_step=None,
    fft_length=None, window="hann", periodic=False, scaling="density", padding="valid",
    expand_dims=False, data_format=None)``, without weights (numpy's rfft, no gradient).

    Frames of ``frame_length`` samples every ``frame_step`` (default ``frame_length // 2``;
    ``padding="same"`` pads as a strided convolution does), times the window (scaled by 1/√Σw²
    for ``"density"``, 1/Σ|w| for ``"spectrum"``), then an ``fft_length``-point rfft (default:
    the next power of two ≥ ``frame_length``). With p = Re² + Im² and ε = ``epsilon()``, modes:
    ``"psd"`` p with the bins between DC and the last doubled (one-sided), ``"magnitude"``
    √max(p, ε), ``"log"`` ln max(√max(p, ε), ε), ``"real"``, ``"imag"``, ``"angle"``
    atan2(Im, Re), ``"stft"`` real then imaginary parts. Inputs (batch, samples, channels) (or
    (batch, channels, samples) channels_first; (batch, samples) is one channel); outputs
    (batch, frames, channels · bins), or (batch, frames, bins, channels) with ``expand_dims``.

    >>> import numpy as np
    >>> t = np.arange(64) / 64
    >>> spec = STFTSpectrogram(mode="magnitude", frame_length=64, window=None,
    ...                        scaling=None)(np.cos(2 * np.pi * 8 * t)[None, :, None])
    >>> spec.shape, int(spec.numpy()[0, 0].argmax())
    ((1, 1, 33), 8)
    """

    def __init__(self, mode: str = "log", frame_length: int = 256, frame_step: int | None = None,
                 fft_length: int | None = None, window="hann", periodic: bool = False,
                 scaling: str | None = "density", padding: str = "valid",
                 expand_dims: bool = False, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        where = f"STFTSpectrogram '{self.name}'"
        for arg, value, allowed in (("mode", mode, STFT_MODES),
                                    ("scaling", scaling, ("density", "spectrum", None)),
                                    ("padding", padding, ("valid", "same")),
                                    ("data_format", data_format,
                                     (None, "channels_last", "channels_first"))):
            if value not in allowed:
                raise ArgumentError(f"{where}: {arg} must be one of {allowed}, got {value!r}. "
                                    f"Hint: the default is {allowed[0]!r}.")
        if isinstance(window, str) and window not in ("hann", "hamming"):
            raise ArgumentError(f"{where}: window must be 'hann', 'hamming', None or an array "
                                f"of frame_length values, got {window!r}. Hint: 'hann'.")
        self.mode, self.periodic = mode, bool(periodic)
        self.window = window if window is None or isinstance(window, str) else [
            float(v) for v in np.asarray(window).ravel()]
        self.scaling, self.padding = scaling, padding
        self.expand_dims, self.data_format = bool(expand_dims), data_format or image_data_format()
        self.frame_length = _positive(frame_length, where, "frame_length")
        self.frame_step = _positive(frame_step, where, "frame_step")
        self.fft_length = _positive(fft_length, where, "fft_length")
        self._step = self.frame_step or self.frame_length // 2
        self._fft = self.fft_length or 1 << (self.frame_length - 1).bit_length()
        if self._step > self.frame_length or self._step < 1:
            raise ArgumentError(f"{where}: frame_step must be between 1 and frame_length "
                                f"({self.frame_length}), got {self._step}. Hint: leave it None "
                                "for frame_length // 2.")
        if self._fft < self.frame_length:
            raise ArgumentError(f"{where}: fft_length ({self._fft}) must be >= "
                                f"frame_length ({self.frame_length}). Hint: leave it None.")
        self._window = _stft_window(self.window, self.frame_length, self.periodic,
                                    self.scaling, where)

    def _waveforms(self, inputs) -> np.ndarray:
        """(batch, channels, samples) float64, whatever the layout."""
        x = np.asarray(inputs.data if isinstance(inputs, Tensor) else inputs, dtype=np.float64)
        if x.ndim == 2:
            return x[:, None, :]
        if x.ndim != 3:
            raise ShapeError(f"STFTSpectrogram '{self.name}': expected waveforms of shape "
                             f"(batch, samples, channels), got {x.shape}. Hint: x[..., None] "
                             "adds a channel axis to (batch, samples) clips.")
        return x if self.data_format == "channels_first" else np.swapaxes(x, 1, 2)

    def _spectrogram(self, x):
        n = x.shape[-1]
        if self.padding == "same":
            count = -(-n // self._step)
            total = max((count - 1) * self._step + self.frame_length - n, 0)
            x = np.pad(x, ((0, 0), (0, 0), (total // 2, total - total // 2)))
        if x.shape[-1] < self.frame_length:
            raise ShapeError(f"STFTSpectrogram '{self.name}': clips of {n} samples are shorter "
                             f"than frame_length={self.frame_length}. Hint: pad the clips or use "
                             "padding='same'.")
        # X[t, k] = Σ_n x[t·step + n] · w[n] · e^(−2πi·k·n / fft_length)
        spectrum = np.fft.rfft(frames(x, self.frame_length, self._step) * self._window,
                               n=self._fft, axis=-1)  # (batch, channels, frames, bins)
        out = self._mode(spectrum.real, spectrum.imag)
        b, c, t, f = out.shape
        if self.data_format == "channels_last":
            return out.transpose(0, 2, 3, 1) if self.expand_dims else \
                out.transpose(0, 2, 1, 3).reshape(b, t, c * f)
        return out if self.expand_dims else out.transpose(0, 1, 3, 2).reshape(b, c * f, t)

    def _mode(self, re, im):
        if self.mode in ("real", "imag"):
            return re if self.mode == "real" else im
        if self.mode == "angle":
            return np.arctan2(im, re)
        if self.mode == "stft":
            return np.concatenate([re, im], axis=-1)
        power = re * re + im * im
        if self.mode == "psd":
            # one-sided: the bins between DC and the last count their mirrored twin too
            power[..., 1:-1] *= 2.0
            return power
        eps = epsilon()
        magnitude = np.sqrt(np.maximum(power, eps))
        return magnitude if self.mode == "magnitude" else np.log(np.maximum(magnitude, eps))

    def get_config(self):
        config = super().get_config()
        config.update(mode=self.mode, frame_length=self.frame_length,
                      frame_step=self.frame_step, fft_length=self.fft_length, window=self.window,
                      periodic=self.periodic, scaling=self.scaling, padding=self.padding,
                      expand_dims=self.expand_dims, data_format=self.data_format)
        return config


class MelSpectrogram(_AudioLayer):
    """Keras's ``MelSpectrogram(fft_length=2048, sequence_stride=512, sequence_length=None,
    window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None,
    power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0)``.

    The clip is reflect-padded by ``fft_length // 2`` on both sides (centred frames), framed
    with a periodic window of ``sequence_length`` (default ``fft_length``) samples centred in
    ``fft_length``, |rfft|^``mag_exp`` is mapped onto ``num_mel_bins`` HTK-mel triangles, and
    with ``power_to_db`` turned into 10·log10(max(min_power, p)) - 10·log10(ref_power) floored
    at (max over the whole batch - ``top_db``), as Keras does. Output (batch, num_mel_bins,
    frames) with frames = 1 + samples // sequence_stride.

    >>> import numpy as np
    >>> MelSpectrogram(fft_length=256, sequence_stride=128, num_mel_bins=16,
    ...                sampling_rate=8000)(np.zeros((1, 1024))).shape
    (1, 16, 9)
    """

    def __init__(self, fft_length: int = 2048, sequence_stride: int = 512,
                 sequence_length: int | None = None, window: str | None = "hann",
                 sampling_rate: int = 16000, num_mel_bins: int = 128, min_freq: float = 20.0,
                 max_freq: float | None = None, power_to_db: bool = True, top_db: float = 80.0,
                 mag_exp: float = 2.0, min_power: float = 1e-10, ref_power: float = 1.0,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"MelSpectrogram '{self.name}'"
        if window not in ("hann", "hamming", None):
            raise ArgumentError(f"{where}: window must be 'hann', 'hamming' or None, got "
                                f"{window!r}. Hint: use the default 'hann'.")
        self.fft_length = _positive(fft_length, where, "fft_length")
        self.sequence_stride = _positive(sequence_stride, where, "sequence_stride")
        self.sequence_length = _positive(sequence_length, where, "sequence_length") \
            or self.fft_length
        if self.sequence_length > self.fft_length:
            raise ArgumentError(f"{where}: sequence_length ({self.sequence_length}) must be <= "
                                f"fft_length ({self.fft_length}). Hint: leave it None.")
        self.sampling_rate = _positive(sampling_rate, where, "sampling_rate")
        self.num_mel_bins = _positive(num_mel_bins, where, "num_mel_bins")
        self.window, self.min_freq, self.max_freq = window, float(min_freq), max_freq
        self.power_to_db, self.top_db, self.mag_exp = bool(power_to_db), top_db, float(mag_exp)
        self.min_power, self.ref_power = float(min_power), float(ref_power)

    def _spectrogram(self, x):
        pad = self.fft_length // 2
        if x.shape[-1] <= pad:
            raise ShapeError(f"MelSpectrogram '{self.name}': clips of {x.shape[-1]} samples are "
                             f"too short for fft_length={self.fft_length} (need more than {pad}). "
                             "Hint: pad the clips or use a smaller fft_length.")
        x = np.pad(x, ((0, 0), (pad, pad)), mode="reflect")
        w = window_array(self.window, self.sequence_length, periodic=True)
        left = (self.fft_length - self.sequence_length) // 2
        w = np.pad(w, (left, self.fft_length - self.sequence_length - left))
        spectrum = np.fft.rfft(frames(x, self.fft_length, self.sequence_stride) * w, axis=-1)
        power = np.abs(spectrum) ** self.mag_exp
        weights = mel_weight_matrix(self.num_mel_bins, self.fft_length // 2 + 1,
                                    self.sampling_rate, self.min_freq,
                                    self.max_freq or self.sampling_rate / 2.0)
        mel = power @ weights
        if self.power_to_db:
            # dB = 10·log10(max(p, min_power)) − 10·log10(max(ref, min_power)), floored
            mel = 10.0 * np.log10(np.maximum(mel, self.min_power))
            mel -= 10.0 * np.log10(max(self.ref_power, self.min_power))
            if self.top_db is not None:
                mel = np.maximum(mel, mel.max() - self.top_db)
        return np.swapaxes(mel, -1, -2)

    def get_config(self):
        config = super().get_config()
        config.update(fft_length=self.fft_length, sequence_stride=self.sequence_stride,
                      sequence_length=self.sequence_length, window=self.window,
                      sampling_rate=self.sampling_rate, num_mel_bins=self.num_mel_bins,
                      min_freq=self.min_freq, max_freq=self.max_freq,
                      power_to_db=self.power_to_db, top_db=self.top_db, mag_exp=self.mag_exp,
                      min_power=self.min_power, ref_power=self.ref_power)
        return config
