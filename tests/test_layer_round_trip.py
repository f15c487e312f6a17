"""Every layer in the library, saved in a model file and loaded in a fresh process, predicts
bit for bit what it predicted before saving."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import shendu.models  # noqa: F401 - registers the model classes as layers too
from shendu import layers as L
from shendu.models import Model
from shendu.saving import register_serializable


@register_serializable(package="tests")
def halve(x):
    return x * 0.5


def _one(make, shape):
    def build():
        x = L.Input(shape=shape)
        return Model(x, make()(x)), [shape]
    return build


def _two(make, shape_a, shape_b=None, as_list=True):
    def build():
        a, b = L.Input(shape=shape_a), L.Input(shape=shape_b or shape_a)
        layer = make()
        return Model([a, b], layer([a, b]) if as_list else layer(a, b)), [shape_a,
                                                                          shape_b or shape_a]
    return build


SPECS = {
    "Activation": _one(lambda: L.Activation("tanh"), (4,)),
    "Add": _two(L.Add, (4,)),
    "Average": _two(L.Average, (4,)),
    "Concatenate": _two(L.Concatenate, (4,), (2,)),
    "Dot": _two(lambda: L.Dot(axes=1), (4,)),
    "Maximum": _two(L.Maximum, (4,)),
    "Minimum": _two(L.Minimum, (4,)),
    "Multiply": _two(L.Multiply, (4,)),
    "Subtract": _two(L.Subtract, (4,)),
    "Attention": _two(L.Attention, (5, 4)),
    "MultiHeadAttention": _two(lambda: L.MultiHeadAttention(num_heads=2, key_dim=3), (5, 4)),
    "AveragePooling1D": _one(lambda: L.AveragePooling1D(2), (6, 3)),
    "AveragePooling2D": _one(lambda: L.AveragePooling2D(2), (6, 6, 2)),
    "BatchNormalization": _one(L.BatchNormalization, (4,)),
    "Bidirectional": _one(lambda: L.Bidirectional(L.LSTM(3)), (5, 4)),
    "Conv1D": _one(lambda: L.Conv1D(2, 3, padding="same"), (8, 3)),
    "Conv2D": _one(lambda: L.Conv2D(2, 3, activation="relu"), (6, 6, 2)),
    "Conv2DTranspose": _one(lambda: L.Conv2DTranspose(2, 3, strides=2), (5, 5, 2)),
    "Cropping1D": _one(lambda: L.Cropping1D((1, 2)), (6, 3)),
    "Cropping2D": _one(lambda: L.Cropping2D(1), (6, 6, 2)),
    "Dense": _one(lambda: L.Dense(3, activation="gelu"), (4,)),
    "DepthwiseConv2D": _one(lambda: L.DepthwiseConv2D(3, depth_multiplier=2), (6, 6, 2)),
    "Dropout": _one(lambda: L.Dropout(0.5), (4,)),
    "ELU": _one(L.ELU, (4,)),
    "Embedding": _one(lambda: L.Embedding(10, 3), (5,)),
    "Flatten": _one(L.Flatten, (3, 2)),
    "GRU": _one(lambda: L.GRU(3, return_sequences=True), (5, 4)),
    "ActivityRegularization": _one(lambda: L.ActivityRegularization(l1=0.1, l2=0.1), (4,)),
    "AlphaDropout": _one(lambda: L.AlphaDropout(0.2), (4,)),
    "GaussianDropout": _one(lambda: L.GaussianDropout(0.2), (4,)),
    "GaussianNoise": _one(lambda: L.GaussianNoise(0.2), (4,)),
    "GroupNormalization": _one(lambda: L.GroupNormalization(groups=2, axis=1), (4, 3)),
    "Identity": _one(L.Identity, (4,)),
    "UnitNormalization": _one(lambda: L.UnitNormalization(axis=[1, 2]), (3, 2)),
    "GlobalAveragePooling1D": _one(L.GlobalAveragePooling1D, (5, 3)),
    "GlobalAveragePooling2D": _one(L.GlobalAveragePooling2D, (4, 4, 2)),
    "GlobalMaxPooling1D": _one(L.GlobalMaxPooling1D, (5, 3)),
    "GlobalMaxPooling2D": _one(L.GlobalMaxPooling2D, (4, 4, 2)),
    "LSTM": _one(lambda: L.LSTM(3), (5, 4)),
    "Lambda": _one(lambda: L.Lambda(halve), (4,)),
    "LayerNormalization": _one(L.LayerNormalization, (4,)),
    "LeakyReLU": _one(L.LeakyReLU, (4,)),
    "Masking": _one(L.Masking, (5, 3)),
    "Normalization": _one(lambda: L.Normalization(axis=(1, 2)), (3, 2)),
    "MaxPooling1D": _one(lambda: L.MaxPooling1D(2), (6, 3)),
    "MaxPooling2D": _one(lambda: L.MaxPooling2D(2), (6, 6, 2)),
    "MelSpectrogram": _one(lambda: L.MelSpectrogram(fft_length=64, sequence_stride=32,
                                                    sampling_rate=8000, num_mel_bins=8), (256,)),
    "STFTSpectrogram": _one(lambda: L.STFTSpectrogram(frame_length=64, frame_step=32), (256,)),
    "PReLU": _one(L.PReLU, (4,)),
    "Permute": _one(lambda: L.Permute((2, 1)), (3, 2)),
    "CenterCrop": _one(lambda: L.CenterCrop(4, 3), (6, 6, 2)),
    "RandomBrightness": _one(lambda: L.RandomBrightness(0.2), (6, 6, 2)),
    "RandomContrast": _one(lambda: L.RandomContrast(0.2), (6, 6, 2)),
    "RandomCrop": _one(lambda: L.RandomCrop(4, 5), (6, 6, 2)),
    "RandomFlip": _one(L.RandomFlip, (6, 6, 2)),
    "RandomRotation": _one(lambda: L.RandomRotation(0.1), (6, 6, 2)),
    "RandomTranslation": _one(lambda: L.RandomTranslation(0.1, 0.1), (6, 6, 2)),
    "RandomZoom": _one(lambda: L.RandomZoom(0.1), (6, 6, 2)),
    "AdaptiveAveragePooling1D": _one(lambda: L.AdaptiveAveragePooling1D(4), (7, 2)),
    "AdaptiveAveragePooling2D": _one(lambda: L.AdaptiveAveragePooling2D((2, 3)), (5, 7, 2)),
    "AdaptiveAveragePooling3D": _one(lambda: L.AdaptiveAveragePooling3D(2), (3, 5, 4, 2)),
    "AdaptiveMaxPooling1D": _one(lambda: L.AdaptiveMaxPooling1D(3), (7, 2)),
    "AdaptiveMaxPooling2D": _one(lambda: L.AdaptiveMaxPooling2D(
        (3, 2), data_format="channels_first"), (2, 5, 7)),
    "AdaptiveMaxPooling3D": _one(lambda: L.AdaptiveMaxPooling3D((1, 2, 3)), (3, 5, 4, 2)),
    "AutoContrast": _one(lambda: L.AutoContrast(value_range=(-3, 3)), (6, 6, 3)),
    "RandomColorDegeneration": _one(lambda: L.RandomColorDegeneration(0.5), (6, 6, 3)),
    "RandomGrayscale": _one(L.RandomGrayscale, (6, 6, 3)),
    "RandomInvert": _one(lambda: L.RandomInvert(0.5), (6, 6, 2)),
    "RandomPosterization": _one(lambda: L.RandomPosterization(4), (6, 6, 2)),
    "RandomShear": _one(lambda: L.RandomShear(0.2, 0.1), (6, 6, 2)),
    "Equalization": _one(lambda: L.Equalization(value_range=(-3, 3), bins=64), (6, 6, 2)),
    "RandomErasing": _one(lambda: L.RandomErasing(0.5, fill_value=0.0), (6, 6, 2)),
    "RandomGaussianBlur": _one(lambda: L.RandomGaussianBlur(kernel_size=5), (6, 6, 2)),
    "RandomSharpness": _one(lambda: L.RandomSharpness(0.8, value_range=(-3, 3)), (6, 6, 2)),
    "CutMix": _one(lambda: L.CutMix(0.5, seed=1), (6, 6, 2)),
    "MixUp": _one(lambda: L.MixUp(0.4, data_format="channels_first"), (2, 6, 6)),
    "Solarization": _one(lambda: L.Solarization(0.2, 0.5), (6, 6, 2)),
    "RandomColorJitter": _one(lambda: L.RandomColorJitter(
        (-3, 3), 0.2, 0.3, (0.4, 0.6), 0.1, seed=1), (6, 6, 3)),
    "RandomHue": _one(lambda: L.RandomHue(0.5, value_range=(-3, 3)), (6, 6, 3)),
    "RandomSaturation": _one(lambda: L.RandomSaturation((0.2, 0.8), (-3, 3),
                                                        data_format="channels_first"),
                             (3, 6, 6)),
    "RandomPerspective": _one(lambda: L.RandomPerspective(0.5, 0.3, seed=1), (6, 6, 2)),
    "RandomElasticTransform": _one(lambda: L.RandomElasticTransform(
        scale=(0.2, 0.5), fill_mode="wrap", value_range=(-3, 3)), (6, 6, 2)),
    "RandAugment": _one(lambda: L.RandAugment((-3, 3), num_ops=3, seed=2), (6, 6, 3)),
    "AugMix": _one(lambda: L.AugMix((-3, 3), all_ops=False, data_format="channels_first"),
                   (3, 6, 6)),
    "ContrastLimitedAdaptiveHistogramEqualization": _one(
        lambda: L.ContrastLimitedAdaptiveHistogramEqualization((-3, 3), 2.0, (2, 3)), (6, 6, 2)),
    "MaxNumBoundingBoxes": _one(lambda: L.MaxNumBoundingBoxes(3, fill_value=-2), (6, 6, 2)),
    "ReLU": _one(lambda: L.ReLU(max_value=1.0), (4,)),
    "RepeatVector": _one(lambda: L.RepeatVector(3), (4,)),
    "Rescaling": _one(lambda: L.Rescaling(0.5, offset=1.0), (4,)),
    "Resizing": _one(lambda: L.Resizing(4, 5, interpolation="bicubic",
                                        crop_to_aspect_ratio=True), (6, 7, 2)),
    "Reshape": _one(lambda: L.Reshape((2, 2)), (4,)),
    "SeparableConv2D": _one(lambda: L.SeparableConv2D(2, 3), (6, 6, 2)),
    "SimpleRNN": _one(lambda: L.SimpleRNN(3, go_backwards=True), (5, 4)),
    "RNN": _one(lambda: L.RNN(L.LSTMCell(3), return_sequences=True), (5, 4)),
    "StackedRNNCells": _one(lambda: L.RNN(L.StackedRNNCells([L.SimpleRNNCell(2),
                                                             L.GRUCell(3)])), (5, 4)),
    "SimpleRNNCell": _one(lambda: L.RNN(L.SimpleRNNCell(3), go_backwards=True), (5, 4)),
    "LSTMCell": _one(lambda: L.RNN(L.LSTMCell(3)), (5, 4)),
    "GRUCell": _one(lambda: L.RNN(L.GRUCell(3, reset_after=False)), (5, 4)),
    "Attention_concat": _two(lambda: L.Attention(use_scale=True, score_mode="concat"), (5, 4)),
    "Softmax": _one(L.Softmax, (4,)),
    "SpatialDropout1D": _one(lambda: L.SpatialDropout1D(0.5), (5, 3)),
    "SpatialDropout2D": _one(lambda: L.SpatialDropout2D(0.5), (6, 6, 2)),
    "TimeDistributed": _one(lambda: L.TimeDistributed(L.Dense(2)), (5, 4)),
    "UpSampling1D": _one(lambda: L.UpSampling1D(3), (3, 2)),
    "UpSampling2D": _one(lambda: L.UpSampling2D(2), (3, 3, 2)),
    "ZeroPadding1D": _one(lambda: L.ZeroPadding1D((2, 1), data_format="channels_first"),
                          (2, 3)),
    "ZeroPadding2D": _one(lambda: L.ZeroPadding2D(1), (3, 3, 2)),
    # the 3-D family and the 1-D depthwise, separable and transposed convolutions
    "ConvLSTM1D": _one(lambda: L.ConvLSTM1D(2, 3, return_sequences=True),
                       (3, 6, 2)),
    "ConvLSTM2D": _one(lambda: L.ConvLSTM2D(2, 3, padding="same"),
                       (2, 4, 4, 1)),
    "ConvLSTM3D": _one(lambda: L.ConvLSTM3D(2, 2), (2, 3, 3, 3, 1)),
    "Conv3D": _one(lambda: L.Conv3D(2, 2, groups=2, activation="relu"), (3, 4, 3, 2)),
    "Conv1DTranspose": _one(lambda: L.Conv1DTranspose(2, 3, strides=2, padding="same"), (5, 3)),
    "Conv3DTranspose": _one(lambda: L.Conv3DTranspose(2, 2, strides=(1, 2, 1),
                                                      output_padding=(0, 1, 0)), (2, 3, 2, 2)),
    "DepthwiseConv1D": _one(lambda: L.DepthwiseConv1D(3, depth_multiplier=2), (6, 2)),
    "SeparableConv1D": _one(lambda: L.SeparableConv1D(2, 3, data_format="channels_first"),
                            (2, 6)),
    "MaxPooling3D": _one(lambda: L.MaxPooling3D(2, padding="same"), (3, 4, 4, 2)),
    "AveragePooling3D": _one(lambda: L.AveragePooling3D((1, 2, 2)), (2, 4, 4, 2)),
    "GlobalMaxPooling3D": _one(L.GlobalMaxPooling3D, (2, 3, 2, 2)),
    "GlobalAveragePooling3D": _one(lambda: L.GlobalAveragePooling3D(keepdims=True),
                                   (2, 3, 2, 2)),
    "ZeroPadding3D": _one(lambda: L.ZeroPadding3D(((1, 0), (0, 2), (1, 1))), (2, 2, 2, 2)),
    "Cropping3D": _one(lambda: L.Cropping3D(((1, 0), (0, 1), (1, 1))), (3, 3, 4, 2)),
    "UpSampling3D": _one(lambda: L.UpSampling3D((1, 2, 2), data_format="channels_first"),
                         (2, 2, 2, 2)),
    # attention variants, EinsumDense, RMSNormalization, SpatialDropout3D, Discretization, Wrapper
    "AdditiveAttention": _two(L.AdditiveAttention, (5, 4), (6, 4)),
    "GroupedQueryAttention": _two(lambda: L.GroupQueryAttention(2, 4, 2, use_gate=True,
                                                                sliding_window=3), (5, 4), (6, 3),
                                  as_list=False),
    "EinsumDense": _one(lambda: L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de",
                                              activation="tanh"), (5, 4)),
    "RMSNormalization": _one(lambda: L.RMSNormalization(axis=[1, 2]), (3, 4)),
    "SpatialDropout3D": _one(lambda: L.SpatialDropout3D(0.5), (2, 3, 2, 2)),
    "Discretization": _one(lambda: L.Discretization(bin_boundaries=[-0.5, 0.0, 0.5],
                                                    output_mode="count"), (4,)),
    "Wrapper": _one(lambda: L.Wrapper(L.Dense(2, activation="relu")), (4,)),
    # SpectralNormalization, ReversibleEmbedding (its reverse projection: float inputs), Pipeline
    "SpectralNormalization": _one(lambda: L.SpectralNormalization(L.Dense(3)), (4,)),
    "ReversibleEmbedding": lambda: (lambda x: (Model(x, L.ReversibleEmbedding(
        10, 4, tie_weights=False, logit_soft_cap=2.0)(x, reverse=True)), [(5, 4)]))(
        L.Input(shape=(5, 4))),
    "Pipeline": _one(lambda: L.Pipeline([L.Rescaling(0.5), L.Dense(3)]), (4,)),
}
# Not a layer of a numeric model, or covered elsewhere:
EXEMPT = {
    "InputLayer": "every model above starts with one",
    "OpLayer": "an ops call in a functional graph: save/load in tests/test_symbolic_ops.py",
    "Sequential": "models: tests/test_saving.py", "Functional": "models: tests/test_saving.py",
    "TextVectorization": "takes strings, not arrays: its save/load test is in tests/test_text.py",
    "StringLookup": "takes strings, not arrays: its save/load test is in tests/test_lookup.py",
    "IntegerLookup": "takes integer ids: its save/load test is in tests/test_lookup.py",
    "CategoryEncoding": "takes integer ids: save/load in tests/test_normalization_preprocessing.py",
    "Hashing": "takes strings or integer ids: its save/load test is in tests/test_hashing.py",
    "HashedCrossing": "takes a list of categorical features: save/load in tests/test_hashing.py",
}


def test_every_registered_layer_has_a_round_trip_spec():
    every = {getattr(L, name).__name__ for name in L._LAZY} | set(L.BUILTIN)  # lazy ones too
    missing = sorted(every - set(SPECS) - set(EXEMPT))
    assert not missing, f"add these layers to SPECS: {missing}"


def _inputs(name, shapes, rng):
    if name == "Embedding":
        return [rng.integers(0, 10, size=(3,) + s).astype("float32") for s in shapes]
    return [rng.normal(size=(3,) + s).astype("float32") for s in shapes]


def test_all_layers_predict_identically_after_loading_in_a_fresh_process(tmp_path):
    rng = np.random.default_rng(0)
    expected, manifest, failures = {}, {}, {}
    for name in sorted(SPECS):
        try:
            model, shapes = SPECS[name]()
            # non-default weights, so a layer that forgot to save one would be caught
            model.set_weights([rng.uniform(0.5, 1.5, size=w.shape).astype(w.dtype)
                               for w in model.get_weights()])
            x = _inputs(name, shapes, rng)
            expected[name] = model.predict(x if len(x) > 1 else x[0], verbose=0)
            model.save(tmp_path / f"{name}.safetensors")
        except Exception as err:  # collect every broken layer, not just the first
            failures[name] = f"{type(err).__name__}: {err}"
            continue
        np.savez(tmp_path / f"{name}-x.npz", *x)
        manifest[name] = len(x)
    assert not failures, failures
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        sys.path.insert(0, {str(__import__('pathlib').Path(__file__).parent)!r})
        import test_layer_round_trip  # registers the Lambda's function, as a user would
        from shendu.models import load_model
        folder = {str(tmp_path)!r}
        out = {{}}
        for name, count in json.load(open(folder + "/manifest.json")).items():
            model = load_model(f"{{folder}}/{{name}}.safetensors")
            data = np.load(f"{{folder}}/{{name}}-x.npz")
            x = [data[f"arr_{{i}}"] for i in range(count)]
            out[name] = model.predict(x if count > 1 else x[0], verbose=0)
        np.savez(folder + "/predictions.npz", **out)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=600)
    got = np.load(tmp_path / "predictions.npz")
    for name in SPECS:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


@pytest.mark.parametrize("name", ["Dense", "Conv2D", "LSTM"])
def test_specs_produce_real_outputs(name):
    model, shapes = SPECS[name]()
    x = _inputs(name, shapes, np.random.default_rng(1))
    out = model.predict(x[0], verbose=0)
    assert np.isfinite(out).all()
    # real outputs depend on the input: three different samples, three different predictions
    flat = out.reshape(len(out), -1)
    assert all(np.abs(flat[i] - flat[j]).max() > 1e-3 for i, j in [(0, 1), (0, 2), (1, 2)])
