"""Keras layers, and the registry used to rebuild them from a config (never by import path).

>>> from shendu.layers import Dense, deserialize, serialize
>>> deserialize(serialize(Dense(8, name="d8"))).units
8
"""

from __future__ import annotations

from ..errors import ArgumentError, unknown_name
from .base import Layer, Variable
from .core import Activation, Dense, Input, InputLayer
from .dropout import Dropout
from .input_spec import InputSpec
from .keras_config import standardize
from .lambda_layer import Lambda
from .merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .node import SymbolicTensor
from .op_layer import OpLayer
from .reshaping import Flatten, Permute, RepeatVector, Reshape


class _Registry(dict):
    """Layer classes by name; listing it first loads the layer modules imported lazily."""

    def _complete(self) -> None:
        for name in _LAZY:
            if name not in globals():
                _load_lazy(name)

    def __iter__(self):
        self._complete()
        return super().__iter__()

    def __len__(self) -> int:
        self._complete()
        return super().__len__()

    def keys(self):
        self._complete()
        return super().keys()

    def items(self):
        self._complete()
        return super().items()

    def values(self):
        self._complete()
        return super().values()


BUILTIN: dict[str, type[Layer]] = _Registry({
    cls.__name__: cls for cls in (Activation, Dense, InputLayer, Add, Average, Concatenate, Dot,
                                  Maximum, Minimum, Multiply, Subtract)
})


def register(*classes: type[Layer]) -> None:
    """Add built-in layer classes to the registry (used by the layer modules)."""
    for cls in classes:
        BUILTIN[cls.__name__] = cls


def serialize(layer: Layer) -> dict:
    """{'class_name', 'config'}; a registered class is named by its registered key."""
    name = type(layer).__dict__.get("_registered_name") or type(layer).__name__
    return {"class_name": name, "config": layer.get_config()}


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Rebuild a layer from ``serialize``'s dict; the class must be built in or registered."""
    name = config.get("class_name") if isinstance(config, dict) else None
    cls = (custom_objects or {}).get(name) or BUILTIN.get(name)
    if cls is None and name in _LAZY:
        cls = _load_lazy(name)
    if cls is None:
        try:
            from ..saving import registry
        except ImportError:  # pragma: no cover - saving is part of the package
            registry = None
        cls = registry.lookup(name) if registry is not None else None
    if cls is None:
        raise unknown_name("layer class", name, {**_LAZY, **BUILTIN},
                           hint="Hint: register custom layers with "
                                "shendu.saving.register_serializable().")
    cfg = config.get("config", {})
    if not isinstance(cfg, dict):
        raise ArgumentError(f"layer config of {name}: expected a dict of constructor arguments, "
                            f"got {type(cfg).__name__}. Hint: pass the dict that "
                            "shendu.layers.serialize(layer) returns.")
    cfg = standardize(cls, cfg)  # Keras 3's dtype policies, batch_shape, harmless keys
    if "layers" in cfg or cls is Lambda:  # a model used as a layer; a Lambda's function
        return cls.from_config(cfg, custom_objects)
    layer = cls.from_config(cfg)
    shape = (config.get("build_config") or {}).get("input_shape")
    if not layer.built and isinstance(shape, list) and all(
            d is None or isinstance(d, int) for d in shape):
        layer.build_from_shape(tuple(shape))  # Keras's build_config: built as it was saved
    return layer


__all__ = ["Activation", "Add", "Average", "Concatenate", "Dense", "Dot", "Input", "InputLayer",
           "InputSpec", "Layer", "Maximum", "Minimum", "Multiply", "Subtract", "SymbolicTensor",
           "Variable", "add", "average", "concatenate", "deserialize", "dot", "maximum", "minimum",
           "multiply", "register", "serialize", "subtract"]

register(Dropout, Flatten, Lambda, OpLayer, Permute, RepeatVector, Reshape)
__all__ += ["Dropout", "Flatten", "Lambda", "Permute", "RepeatVector", "Reshape"]

# The other layers load on first use (``from shendu.layers import Conv2D``, ``deserialize``,
# ``layers.Conv2D``), which keeps ``import shendu`` fast. module -> the public names it holds.
_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    "convolutional": (
        "Conv1D", "Conv2D", "Conv2DTranspose", "Convolution1D", "Convolution2D",
        "Convolution2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "SeparableConvolution2D"
    ),
    "convolutional_1d": ("DepthwiseConv1D", "SeparableConv1D", "SeparableConvolution1D"),
    "convolutional_3d": ("Conv3D", "Convolution3D"),
    "convolutional_transpose": (
        "Conv1DTranspose", "Conv3DTranspose", "Convolution1DTranspose", "Convolution3DTranspose"
    ),
    "padding_3d": ("Cropping3D", "UpSampling3D", "ZeroPadding3D"),
    "pooling_3d": (
        "AveragePooling3D", "AvgPool3D", "GlobalAveragePooling3D", "GlobalAvgPool3D",
        "GlobalMaxPool3D", "GlobalMaxPooling3D", "MaxPool3D", "MaxPooling3D"
    ),
    "padding": (
        "Cropping1D", "Cropping2D", "UpSampling1D", "UpSampling2D", "ZeroPadding1D",
        "ZeroPadding2D"
    ),
    "pooling": (
        "AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D", "GlobalAveragePooling1D",
        "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D",
        "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D",
        "MaxPooling1D", "MaxPooling2D"
    ),
    "normalization": ("BatchNormalization", "LayerNormalization"),
    "group_normalization": ("GroupNormalization", "UnitNormalization"),
    "noise": ("AlphaDropout", "GaussianDropout", "GaussianNoise"),
    "identity": ("ActivityRegularization", "Identity"),
    "activation_layers": ("ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"),
    "preprocessing": (
        "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling"
    ),
    "image_preprocessing": (
        "CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "Resizing"
    ),
    "adaptive_pooling": (
        "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
        "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"
    ),
    "color_augmentation": (
        "AutoContrast", "RandomColorDegeneration", "RandomGrayscale", "RandomInvert",
        "RandomPosterization", "Solarization"
    ),
    "hsv_augmentation": ("RandomColorJitter", "RandomHue", "RandomSaturation"),
    "random_shear": ("RandomShear",),
    "image_filters": ("Equalization", "RandomErasing", "RandomGaussianBlur", "RandomSharpness"),
    "mixing": ("CutMix", "MixUp"),
    "geometric_augmentation": ("RandomElasticTransform", "RandomPerspective"),
    "augment_policies": ("AugMix", "RandAugment"),
    "clahe": ("ContrastLimitedAdaptiveHistogramEqualization",),
    "bounding_boxes": ("MaxNumBoundingBoxes",),
    "spatial_dropout": ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"),
    "attention": ("Attention", "MultiHeadAttention"),
    "attention_variants": ("AdditiveAttention", "GroupQueryAttention",
                           "GroupedQueryAttention"),
    "einsum_dense": ("EinsumDense",),
    "rms_normalization": ("RMSNormalization",),
    "discretization": ("Discretization",),
    "embedding": ("Embedding", "Masking"),
    "audio": ("MelSpectrogram", "STFTSpectrogram"),
    "text": ("TextVectorization",),
    "normalization_preprocessing": ("CategoryEncoding", "Normalization"),
    "lookup": ("IntegerLookup", "StringLookup"),
    "hashing": ("HashedCrossing", "Hashing"),
    "recurrent": ("GRU", "LSTM", "SimpleRNN"),
    "conv_lstm": ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"),
    "rnn_cells": ("GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells"),
    "rnn_generic": ("RNN",),
    "wrappers": ("Bidirectional", "TimeDistributed", "Wrapper"),
    "spectral_normalization": ("SpectralNormalization",),
    "reversible_embedding": ("ReversibleEmbedding",),
    "pipeline": ("Pipeline",),
}
_LAZY = {name: module for module, names in _LAZY_MODULES.items() for name in names}
__all__ += sorted(_LAZY)


def _load_lazy(name: str):
    """Import the module holding ``name``, register its layer classes, return ``name``."""
    import importlib

    module = importlib.import_module(f".{_LAZY[name]}", __name__)
    for public in _LAZY_MODULES[_LAZY[name]]:
        obj = getattr(module, public)
        globals()[public] = obj
        if isinstance(obj, type) and obj.__name__ == public:
            BUILTIN.setdefault(public, obj)
    return globals()[name]


def __getattr__(name: str):
    if name in _LAZY:
        return _load_lazy(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
