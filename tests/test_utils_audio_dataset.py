"""audio_dataset_from_directory on temporary WAV folders: Keras's order, padding and
output_sequence_length, channels, sampling_rate checks, subsets, fit, and bad inputs."""

import wave

import numpy as np
import pytest

from shendu import layers, models
from shendu.data.sources import PyDataset
from shendu.errors import ArgumentError, DataError, FileFormatError, ShapeError
from shendu.utils import audio_dataset_from_directory
from shendu.utils.audio_dataset import read_wav


def _wav(path, samples, rate=8000, width=2):
    """Write int samples, shape (n,) or (n, channels), as PCM of ``width`` bytes."""
    samples = np.asarray(samples)
    samples = samples[:, None] if samples.ndim == 1 else samples
    path.parent.mkdir(parents=True, exist_ok=True)
    dtype = {1: np.uint8, 2: "<i2", 4: "<i4"}[width]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.astype(dtype).tobytes())


@pytest.fixture
def speech(tmp_path):
    """yes/ (3 files), no/ (2 files, one nested), of lengths 2 + i; a file that is not .wav."""
    for label, count in (("yes", 3), ("no", 2)):
        for i in range(count):
            sub = "deep/" if (label, i) == ("no", 1) else ""
            _wav(tmp_path / label / f"{sub}{i}.wav", np.full(2 + i, 1000 * (i + 1)))
    (tmp_path / "no" / "notes.txt").write_text("ignored")
    return tmp_path


def test_order_padding_and_labels(speech, capsys):
    ds = audio_dataset_from_directory(speech, shuffle=False, batch_size=4)
    assert capsys.readouterr().out == "Found 5 files belonging to 2 classes.\n"
    assert isinstance(ds, PyDataset) and len(ds) == 2 and ds.class_names == ["no", "yes"]
    x, y = ds[0]
    assert x.shape == (4, 3, 1) and x.dtype == np.float32 and y.tolist() == [0, 0, 1, 1]
    # each file is zero-padded to the batch's longest; 16-bit values / 32768
    assert np.allclose(x[0, :, 0], [1000 / 32768] * 2 + [0])
    assert np.allclose(x[1, :, 0], [2000 / 32768] * 3)  # no/deep/1.wav follows no/0.wav
    assert ds[1][0].shape == (1, 4, 1)  # the last batch pads to its own longest file


def test_output_sequence_length_label_modes_and_unbatched(speech):
    ds = audio_dataset_from_directory(speech, output_sequence_length=3, shuffle=False,
                                      label_mode="categorical", verbose=False)
    x, y = ds[0]
    assert x.shape == (5, 3, 1) and y.shape == (5, 2) and y.dtype == np.float32
    assert np.allclose(x[4, :, 0], 3000 / 32768)  # 4 samples cut to 3
    binary = audio_dataset_from_directory(speech, label_mode="binary", shuffle=False,
                                          verbose=False)
    assert binary[0][1].shape == (5, 1)
    one = audio_dataset_from_directory(speech, batch_size=None, shuffle=False, verbose=False)
    assert len(one) == 5 and one[0][0].shape == (2, 1) and one[4][1] == 1
    bare = audio_dataset_from_directory(speech, labels=None, shuffle=False, verbose=False)
    assert isinstance(bare[0], np.ndarray) and bare.class_names is None


def test_channels_widths_and_sampling_rate(tmp_path):
    _wav(tmp_path / "a" / "stereo.wav", np.array([[16384, -16384]] * 4), rate=16000)
    ds = audio_dataset_from_directory(tmp_path, sampling_rate=16000, verbose=False)
    assert np.allclose(ds[0][0][0], [[0.5, -0.5]] * 4)
    _wav(tmp_path / "b" / "8bit.wav", [128, 255, 0], width=1, rate=8000)
    audio, rate = read_wav(str(tmp_path / "b" / "8bit.wav"))
    assert rate == 8000 and np.allclose(audio[:, 0], [0, 127 / 128, -1])
    ds = audio_dataset_from_directory(tmp_path, sampling_rate=16000, shuffle=False,
                                      verbose=False)
    with pytest.raises(DataError, match="8bit.wav.*8000"):
        ds[0]
    mixed = audio_dataset_from_directory(tmp_path, shuffle=False, verbose=False)
    with pytest.raises(ShapeError, match="channels"):
        mixed[0]


def test_validation_split_follows_kerass_rule(speech):
    ordered = audio_dataset_from_directory(speech, shuffle=False, verbose=False)
    train, val = audio_dataset_from_directory(speech, validation_split=0.4, subset="both",
                                              seed=3, verbose=False)
    order = np.arange(5)
    np.random.RandomState(3).shuffle(order)
    expected = [ordered.file_paths[i] for i in order]
    assert train.file_paths == expected[:3] and val.file_paths == expected[3:]
    assert not set(train.file_paths) & set(val.file_paths)


def test_fit_on_audio(tmp_path):
    rng = np.random.default_rng(0)
    for k, name in enumerate(["low", "high"]):
        for i in range(6):
            _wav(tmp_path / name / f"{i}.wav", rng.integers(-500, 500, 20) + 8000 * k)
    train = audio_dataset_from_directory(tmp_path, output_sequence_length=16, batch_size=4,
                                         seed=0, verbose=False)
    model = models.Sequential([layers.Input((16, 1)), layers.Flatten(),
                               layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert len(model.fit(train, epochs=2, verbose=0).history["loss"]) == 2


@pytest.mark.parametrize("kwargs, words", [
    (dict(ragged=True), "ragged"),
    (dict(sampling_rate=0), "sampling_rate"),
    (dict(sampling_rate=8000.0), "sampling_rate"),
    (dict(output_sequence_length=-1), "output_sequence_length"),
    (dict(subset="both"), "validation_split"),
    (dict(validation_split=1.5, subset="training", seed=1), "validation_split"),
    (dict(label_mode="onehot"), "label_mode"),
    (dict(label_mode="binary", class_names=["no", "yes"], labels=None), "class_names"),
])
def test_bad_arguments(speech, kwargs, words):
    with pytest.raises(ArgumentError, match=words) as info:
        audio_dataset_from_directory(speech, verbose=False, **kwargs)
    assert "audio_dataset_from_directory" in str(info.value) and "Hint:" in str(info.value)


def test_missing_folder_no_files_and_corrupt_wav(tmp_path):
    with pytest.raises(ArgumentError, match="existing folder"):
        audio_dataset_from_directory(tmp_path / "nowhere")
    (tmp_path / "a").mkdir()
    with pytest.raises(DataError, match="no audio files"):
        audio_dataset_from_directory(tmp_path, verbose=False)
    (tmp_path / "a" / "noise.wav").write_bytes(b"RIFF....WAVEjunk")
    ds = audio_dataset_from_directory(tmp_path, verbose=False)
    with pytest.raises(FileFormatError, match="noise.wav"):
        ds[0]
    with pytest.raises(ArgumentError, match="index"):
        ds["0"]
