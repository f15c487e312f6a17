"""Keras layers, and the registry used to rebuild them from a config (never by import path).

>>> from shendu.layers import Dense, deserialize, serialize
>>> deserialize(serialize(Dense(8, name="d8"))).units
8
"""

from __future__ import annotations

from ..errors import unknown_name
from .base import Layer, Variable
from .core import Activation, Dense, Input, InputLayer
from .dropout import Dropout
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
    maximum,
    minimum,
    multiply,
    subtract,
)
from .node import SymbolicTensor
from .reshaping import Flatten, Permute, RepeatVector, Reshape

BUILTIN: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (Activation, Dense, InputLayer, Add, Average, Concatenate, Dot,
                                  Maximum, Minimum, Multiply, Subtract)
}


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
    if cls is None:
        try:
            from ..saving import registry
        except ImportError:  # pragma: no cover - saving is part of the package
            registry = None
        cls = registry.lookup(name) if registry is not None else None
    if cls is None:
        raise unknown_name("layer class", name, BUILTIN,
                           hint="Hint: register custom layers with "
                                "shendu.saving.register_serializable().")
    cfg = dict(config.get("config", {}))
    if "layers" in cfg or cls is Lambda:  # a model used as a layer; a Lambda's function
        return cls.from_config(cfg, custom_objects)
    return cls.from_config(cfg)


__all__ = ["Activation", "Add", "Average", "Concatenate", "Dense", "Dot", "Input", "InputLayer",
           "Layer", "Maximum", "Minimum", "Multiply", "Subtract", "SymbolicTensor", "Variable",
           "add", "average", "concatenate", "deserialize", "maximum", "minimum", "multiply",
           "register", "serialize", "subtract"]

register(Dropout, Flatten, Lambda, Permute, RepeatVector, Reshape)
__all__ += ["Dropout", "Flatten", "Lambda", "Permute", "RepeatVector", "Reshape"]

from .convolutional import (  # noqa: E402
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Convolution1D,
    Convolution2D,
    DepthwiseConv2D,
    SeparableConv2D,
)
from .padding import Cropping2D, UpSampling2D, ZeroPadding2D  # noqa: E402
from .pooling import (  # noqa: E402
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)

register(AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, Conv2DTranspose, Cropping2D,
         DepthwiseConv2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
         GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, SeparableConv2D, UpSampling2D,
         ZeroPadding2D)
__all__ += ["AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D", "Conv1D", "Conv2D",
            "Conv2DTranspose", "Convolution1D", "Convolution2D", "Cropping2D", "DepthwiseConv2D",
            "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D",
            "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPooling1D",
            "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D",
            "SeparableConv2D", "UpSampling2D", "ZeroPadding2D"]

from .normalization import BatchNormalization, LayerNormalization  # noqa: E402

register(BatchNormalization, LayerNormalization)
__all__ += ["BatchNormalization", "LayerNormalization"]

from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax  # noqa: E402

register(ELU, LeakyReLU, PReLU, ReLU, Softmax)
__all__ += ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]

from .preprocessing import (  # noqa: E402
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
)

register(RandomFlip, RandomRotation, RandomTranslation, RandomZoom, Rescaling)
__all__ += ["RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling"]

from .spatial_dropout import SpatialDropout1D, SpatialDropout2D  # noqa: E402

register(SpatialDropout1D, SpatialDropout2D)
__all__ += ["SpatialDropout1D", "SpatialDropout2D"]

from .attention import Attention, MultiHeadAttention  # noqa: E402
from .embedding import Embedding, Masking  # noqa: E402

register(Attention, Embedding, Masking, MultiHeadAttention)
__all__ += ["Attention", "Embedding", "Masking", "MultiHeadAttention"]

from .audio import MelSpectrogram, STFTSpectrogram  # noqa: E402
from .text import TextVectorization  # noqa: E402

register(MelSpectrogram, STFTSpectrogram, TextVectorization)
__all__ += ["MelSpectrogram", "STFTSpectrogram", "TextVectorization"]
