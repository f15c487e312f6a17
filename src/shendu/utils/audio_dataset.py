"""Keras's ``keras.utils.audio_dataset_from_directory``: folders of WAV files as batches of
``(audio, labels)``, in a shendu :class:`~shendu.utils.PyDataset` (what shendu's ``fit`` reads).

WAV files are read with the standard library's ``wave`` module (uncompressed PCM, 8 to 32
bits, any number of channels) into float32 values in [-1, 1]. Files are listed in Keras's
order (``utils/directory_index.py``), so for the same seed the subsets hold Keras's files.

>>> import pathlib, tempfile, wave
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for label, n in [("no", 3), ("yes", 5)]:
...     (root / label).mkdir()
...     with wave.open(str(root / label / "a.wav"), "wb") as w:
...         w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
...         w.writeframes(b"\\x00\\x40" * n)
>>> ds = audio_dataset_from_directory(root, shuffle=False)
Found 2 files belonging to 2 classes.
>>> audio, labels = ds[0]
>>> audio.shape, audio[0, :, 0].tolist(), labels.tolist()
((2, 5, 1), [0.5, 0.5, 0.5, 0.0, 0.0], [0, 1])
"""

from __future__ import annotations

import numbers
import os
import wave

import numpy as np

from ..errors import ArgumentError, DataError, FileFormatError, ShapeError
from . import directory_index as index

_WHERE = "audio_dataset_from_directory"
ALLOWED_FORMATS = (".wav",)


def read_wav(path: str, where: str = _WHERE) -> tuple[np.ndarray, int]:
    """((samples, channels) float32 in [-1, 1], sampling rate) of a PCM WAV file.

    >>> import io, wave
    >>> buffer = io.BytesIO()
    >>> with wave.open(buffer, "wb") as w:
    ...     w.setnchannels(2); w.setsampwidth(1); w.setframerate(4000)
    ...     w.writeframes(bytes([128, 0, 255, 128]))
    >>> _ = buffer.seek(0)
    >>> audio, rate = read_wav(buffer)
    >>> audio.tolist(), rate
    ([[0.0, -1.0], [0.9921875, 0.0]], 4000)
    """
    name = path if isinstance(path, str) else repr(path)
    try:
        with wave.open(path, "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise FileFormatError(f"{where}: WAV file {name!r} cannot be read ({exc}). Hint: "
                              "expected uncompressed PCM audio; re-save it as 16-bit PCM.") \
            from None
    except OSError as exc:
        raise DataError(f"{where}: cannot open WAV file {name!r} ({exc.strerror or exc}). "
                        "Hint: check the path.") from None
    if width == 1:  # unsigned 8-bit, centred on 128
        audio = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width in (2, 4):
        audio = np.frombuffer(raw, dtype=f"<i{width}").astype(np.float32) / 2.0 ** (
            8 * width - 1)
    elif width == 3:  # 24-bit little-endian: widen each sample to 32 bits
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        padded = np.zeros((len(triples), 4), dtype=np.uint8)
        padded[:, 1:] = triples
        audio = padded.view("<i4")[:, 0].astype(np.float32) / 2.0 ** 31
    else:
        raise FileFormatError(f"{where}: WAV file {name!r} has {8 * width}-bit samples. Hint: "
                              "convert it to 16-bit PCM.")
    return audio[:len(audio) // channels * channels].reshape(-1, channels), rate


class AudioFileDataset(index.FileBatches):
    """Batches of WAV files: ``(audio, labels)`` per index (audio alone without labels), the
    audio float32 (batch, samples, channels), cut or zero-padded to ``output_sequence_length``
    or else padded to the longest file of the batch.

    >>> import pathlib, tempfile, wave
    >>> path = str(pathlib.Path(tempfile.mkdtemp()) / "a.wav")
    >>> with wave.open(path, "wb") as w:
    ...     w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
    ...     w.writeframes(bytes(20))
    >>> AudioFileDataset([path], None, None, None, output_sequence_length=4)[0].shape
    (1, 4, 1)
    """

    def __init__(self, file_paths: list[str], labels, label_mode: str | None,
                 class_names: list[str] | None, batch_size: int | None = 32,
                 sampling_rate: int | None = None, output_sequence_length: int | None = None):
        super().__init__(file_paths, labels, label_mode, class_names, batch_size)
        self.sampling_rate = sampling_rate
        self.output_sequence_length = output_sequence_length

    def load(self, path: str) -> np.ndarray:
        audio, rate = read_wav(path)
        if self.sampling_rate is not None and rate != self.sampling_rate:
            raise DataError(
                f"{_WHERE}: WAV file {path!r} is sampled at {rate} Hz, not sampling_rate="
                f"{self.sampling_rate}. Hint: shendu does not resample (Keras uses "
                "tensorflow-io); resample the files beforehand, or pass sampling_rate=None."
            )
        length = self.output_sequence_length
        return audio if length is None else self._fit(audio, length)

    @staticmethod
    def _fit(audio: np.ndarray, length: int) -> np.ndarray:
        if len(audio) >= length:
            return audio[:length]
        return np.concatenate([audio, np.zeros((length - len(audio), audio.shape[1]),
                                               dtype=audio.dtype)])

    def stack(self, samples: list) -> np.ndarray:
        channels = {s.shape[1] for s in samples}
        if len(channels) > 1:
            raise ShapeError(f"{_WHERE}: the files of one batch have {sorted(channels)} "
                             "channels. Hint: convert them all to mono (or all to stereo).")
        longest = max(len(s) for s in samples)
        return np.stack([self._fit(s, longest) for s in samples])


def audio_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int",
                                 class_names: list[str] | None = None,
                                 batch_size: int | None = 32, sampling_rate: int | None = None,
                                 output_sequence_length: int | None = None,
                                 ragged: bool = False, shuffle: bool = True,
                                 seed: int | None = None,
                                 validation_split: float | None = None,
                                 subset: str | None = None, follow_links: bool = False,
                                 verbose: bool = True):
    """The ``.wav`` files under ``directory`` as batches of ``(audio, labels)``.

    ``labels``, ``label_mode``, ``class_names``, ``shuffle``, ``seed``, ``validation_split``
    and ``subset`` work as in :func:`~shendu.utils.image_dataset_from_directory` ('both'
    returns a tuple of the two, as Keras). Audio is float32 (batch, samples, channels):
    ``output_sequence_length`` cuts or zero-pads every file to that many samples; without it
    a batch is zero-padded to its longest file. ``sampling_rate`` is checked against each
    file's rate (Keras resamples with tensorflow-io; shendu raises on a mismatch). Only
    ``ragged=False`` is supported (shendu has no ragged tensors).

    >>> import pathlib, tempfile, wave
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in "abcd":
    ...     with wave.open(str(root / f"{name}.wav"), "wb") as w:
    ...         w.setnchannels(2); w.setsampwidth(2); w.setframerate(16000)
    ...         w.writeframes(bytes(40))
    >>> train, val = audio_dataset_from_directory(
    ...     root, labels=None, sampling_rate=16000, output_sequence_length=8, seed=0,
    ...     validation_split=0.25, subset="both", verbose=False)
    >>> train[0].shape, val[0].shape
    ((3, 8, 2), (1, 8, 2))
    """
    directory = index.check_directory(_WHERE, directory)
    labels = index.check_labels(_WHERE, labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    index.check_count(_WHERE, "batch_size", batch_size, "batch_size=32.")
    index.check_count(_WHERE, "output_sequence_length", output_sequence_length,
                      "16000 keeps one second of 16 kHz audio.")
    if sampling_rate is not None and (isinstance(sampling_rate, bool) or not isinstance(
            sampling_rate, numbers.Integral) or sampling_rate <= 0):
        raise ArgumentError(f"{_WHERE}: sampling_rate must be a positive int or None, got "
                            f"{sampling_rate!r}. Hint: sampling_rate=16000 (samples per "
                            "second).")
    if ragged:
        raise ArgumentError(f"{_WHERE}: ragged=True is not supported, got ragged={ragged!r}. "
                            "Hint: shendu has no ragged tensors; batches are zero-padded to "
                            "their longest file, or pass output_sequence_length.")
    index.check_split(_WHERE, validation_split, subset, shuffle, seed)
    paths, ids, names = index.index_directory(_WHERE, directory, labels, ALLOWED_FORMATS,
                                              class_names, shuffle, seed, follow_links, verbose)
    index.check_label_range(_WHERE, ids, names, label_mode)
    parts = index.subsets(_WHERE, paths, ids, validation_split, subset, verbose,
                          "audio files", directory, ALLOWED_FORMATS)
    datasets = [AudioFileDataset([os.fspath(p) for p in ps], i, label_mode, names, batch_size,
                                 sampling_rate, output_sequence_length) for ps, i in parts]
    return tuple(datasets) if subset == "both" else datasets[0]
