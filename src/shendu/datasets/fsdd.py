"""The Free Spoken Digit Dataset: 8 kHz mono recordings of the digits 0–9 by several speakers.

Z. Jackson, C. Souza, J. Flaks, Y. Pan, H. Nicolas, A. Thite, *Free Spoken Digit Dataset*
(CC BY-SA 4.0), https://github.com/Jakobovski/free-spoken-digit-dataset. Files are named
``{digit}_{speaker}_{index}.wav``; the official split puts index 0–4 in the test set and
5–49 in the training set. WAV files are read with the standard library's ``wave`` module.

>>> from shendu.datasets import fsdd
>>> fsdd.parse_name("7_jackson_32.wav")
(7, 'jackson', 32)
"""

from __future__ import annotations

import os
import re
import wave
from pathlib import Path

import numpy as np

from ..errors import DataError, FileFormatError

_NAME = re.compile(r"^(\d)_([A-Za-z0-9]+)_(\d+)\.wav$")
TEST_INDICES = range(0, 5)


def parse_name(name: str) -> tuple[int, str, int] | None:
    """(digit, speaker, index) from ``{digit}_{speaker}_{index}.wav``; None for other names."""
    m = _NAME.match(name)
    return None if m is None else (int(m.group(1)), m.group(2), int(m.group(3)))


def read_wav(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """(float32 waveform in [-1, 1], sample rate) of a 16-bit (or 8-bit) PCM WAV file;
    several channels are averaged to one."""
    try:
        with wave.open(os.fspath(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise FileFormatError(f"WAV file {os.fspath(path)!r}: cannot read it ({exc}). "
                              "Hint: expected uncompressed PCM audio.") from exc
    except OSError as exc:  # missing, a folder, unreadable
        raise DataError(f"WAV file {os.fspath(path)!r}: cannot open it ({exc.strerror or exc})."
                        " Hint: check the path.") from None
    if width == 2:
        audio = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        audio = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise FileFormatError(f"WAV file {os.fspath(path)!r}: expected 8- or 16-bit samples, "
                              f"got {8 * width}-bit. Hint: convert it to 16-bit PCM.")
    if channels > 1:
        audio = audio.reshape(-1, channels).mean(axis=1)
    return audio, rate


def load_data(path: str | os.PathLike, return_speakers: bool = False, sample_rate: int = 8000):
    """``((x_train, y_train), (x_test, y_test))`` with the official split (index 0–4 test).

    ``path``: the dataset folder (or its ``recordings`` subfolder). Each x is a list of float32
    waveforms in [-1, 1] (lengths differ); y is an int64 array of digits. With
    ``return_speakers=True`` each split is ``(x, y, speakers)``. Files are taken in a fixed order
    (digit, speaker, index); a file whose rate is not ``sample_rate`` raises DataError.
    """
    folder = Path(os.fspath(path)).expanduser()
    if (folder / "recordings").is_dir():
        folder = folder / "recordings"
    if not folder.is_dir():
        raise DataError(f"fsdd.load_data: expected the FSDD folder, got {str(folder)!r}. "
                        "Hint: pass the folder holding {digit}_{speaker}_{index}.wav files.")
    entries = sorted((parsed, name) for name in os.listdir(folder)
                     if (parsed := parse_name(name)) is not None)
    if not entries:
        raise DataError(f"fsdd.load_data: no {{digit}}_{{speaker}}_{{index}}.wav files in "
                        f"{str(folder)!r}. Hint: pass the recordings folder.")
    splits = {"train": ([], [], []), "test": ([], [], [])}
    for (digit, speaker, index), name in entries:
        audio, rate = read_wav(folder / name)
        if rate != sample_rate:
            raise DataError(f"fsdd.load_data: {name} is sampled at {rate} Hz, expected "
                            f"{sample_rate}. Hint: pass sample_rate={rate} to accept it.")
        xs, ys, ss = splits["test" if index in TEST_INDICES else "train"]
        xs.append(audio)
        ys.append(digit)
        ss.append(speaker)
    out = []
    for key in ("train", "test"):
        xs, ys, ss = splits[key]
        part = (xs, np.asarray(ys, dtype=np.int64))
        out.append(part + (np.asarray(ss),) if return_speakers else part)
    return tuple(out)
