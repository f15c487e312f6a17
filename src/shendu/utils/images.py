"""Keras's image file helpers: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``.

They read and write images with Pillow, which shendu imports only when one of them runs
(``pip install pillow``, or ``pip install shendu[image]``). Arrays are (height, width,
channels), or (channels, height, width) with ``data_format="channels_first"``; ``save_img``
writes a temporary file next to the target and renames it, so no half-written image is left.

>>> import numpy as np, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ramp.png"
>>> save_img(path, np.arange(6, dtype="float32").reshape(2, 3, 1), scale=False)
>>> img = load_img(path, color_mode="grayscale")
>>> img.size, img_to_array(img)[..., 0].tolist()
((3, 2), [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
"""

from __future__ import annotations

import io
import os
import pathlib
import tempfile
import warnings

import numpy as np

from .. import backend
from ..errors import ArgumentError, DataError, FileFormatError, ShapeError

COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}
PIL_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image(where: str):
    """Pillow's ``PIL.Image`` module, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{where}: reading and writing images needs Pillow, which is not "
                          "installed. Hint: pip install pillow (or pip install "
                          "'shendu[image]').") from None
    return Image


def data_format_of(where: str, data_format) -> str:
    value = backend.image_data_format() if data_format is None else data_format
    if value not in ("channels_last", "channels_first"):
        raise ArgumentError(f"{where}: data_format must be 'channels_last', 'channels_first' or "
                            f"None, got {data_format!r}. Hint: channels_last means (height, "
                            "width, channels).")
    return value


def color_mode_channels(where: str, color_mode) -> int:
    if color_mode not in COLOR_MODES:
        raise ArgumentError(f"{where}: color_mode must be 'grayscale', 'rgb' or 'rgba', got "
                            f"{color_mode!r}. Hint: 'rgb' gives 3 channels, 'grayscale' 1.")
    return COLOR_MODES[color_mode]


def open_image(where: str, path, color_mode: str = "rgb"):
    """The image at ``path`` (a path or a BytesIO) as a Pillow image in ``color_mode``, fully
    read; an unreadable or corrupt file raises a FileFormatError naming it."""
    Image = pil_image(where)
    color_mode_channels(where, color_mode)
    if isinstance(path, io.BytesIO):
        name, source = "<BytesIO>", path
    elif isinstance(path, (str, bytes, os.PathLike)):
        name = os.fsdecode(path)
        try:
            with open(name, "rb") as f:
                source = io.BytesIO(f.read())
        except OSError as exc:
            raise DataError(f"{where}: cannot open image file {name!r} "
                            f"({exc.strerror or exc}). Hint: check the path.") from None
    else:
        raise ArgumentError(f"{where}: path must be a path or an io.BytesIO, got "
                            f"{type(path).__name__}. Hint: load_img('photo.jpg').")
    try:
        img = Image.open(source)
        img.load()
    except (OSError, SyntaxError, ValueError) as exc:  # UnidentifiedImageError is an OSError
        raise FileFormatError(f"{where}: image file {name!r} cannot be decoded ({exc}). Hint: "
                              "remove or re-save the file; bmp, gif, jpeg and png are read.") \
            from None
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):  # keep 16- and 32-bit grey, as Keras
            img = img.convert("L")
    elif img.mode != color_mode.upper():
        img = img.convert(color_mode.upper())
    return img


def load_img(path, color_mode: str = "rgb", target_size: tuple[int, int] | None = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False):
    """Read an image file into a Pillow image in ``color_mode`` ('grayscale', 'rgb', 'rgba').

    ``target_size`` (height, width) resizes it with Pillow's ``interpolation`` ('nearest',
    'bilinear', 'bicubic', 'hamming', 'box', 'lanczos'); ``keep_aspect_ratio=True`` first
    crops the largest centred box of the target's aspect ratio.

    >>> import numpy as np, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wide.png"
    >>> save_img(path, np.zeros((4, 8, 3)))
    >>> load_img(path, target_size=(2, 2), keep_aspect_ratio=True).size
    (2, 2)
    """
    where = "load_img"
    img = open_image(where, path, color_mode)
    if target_size is None:
        return img
    if (not isinstance(target_size, (tuple, list)) or len(target_size) != 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                       for s in target_size)):
        raise ArgumentError(f"{where}: target_size must be (height, width) of positive ints or "
                            f"None, got {target_size!r}. Hint: target_size=(224, 224).")
    if interpolation not in PIL_INTERPOLATIONS:
        raise ArgumentError(f"{where}: interpolation must be one of {PIL_INTERPOLATIONS}, got "
                            f"{interpolation!r}. Hint: 'bilinear' for photos.")
    height, width = int(target_size[0]), int(target_size[1])
    if img.size == (width, height):
        return img
    resample = getattr(getattr(pil_image(where), "Resampling", pil_image(where)),
                       interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize((width, height), resample)
    w, h = img.size
    crop_h, crop_w = min(h, w * height // width), min(w, h * width // height)
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    return img.resize((width, height), resample, box=(left, top, left + crop_w, top + crop_h))


def img_to_array(img, data_format: str | None = None, dtype: str | None = None) -> np.ndarray:
    """A Pillow image (or anything ``np.asarray`` takes) as a (height, width, channels) array
    of ``dtype`` (``floatx()`` by default); a 2-D image gets a channels axis of 1.

    >>> img_to_array(np.zeros((2, 3)), data_format="channels_first").shape
    (1, 2, 3)
    """
    where = "img_to_array"
    data_format = data_format_of(where, data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ShapeError(f"{where}: expected an image of rank 2 or 3, got shape {x.shape}. Hint: "
                         "pass one image, not a batch.")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format: str | None = None, scale: bool = True,
                 dtype: str | None = None):
    """A (height, width, channels) array (1, 3 or 4 channels) as a Pillow image ('L', 'RGB',
    'RGBA'). ``scale=True`` stretches the values to 0 .. 255 first; grey values above 255 make
    a 32-bit ('I') image.

    >>> array_to_img(np.array([[[0.0], [0.5]]])).getpixel((1, 0))
    255
    """
    where = "array_to_img"
    Image = pil_image(where)
    data_format = data_format_of(where, data_format)
    x = np.array(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ShapeError(f"{where}: expected one image of rank 3, got shape {x.shape}. Hint: "
                         "add a channels axis, e.g. x[..., None].")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if x.shape[2] not in (1, 3, 4):
        raise ShapeError(f"{where}: expected 1, 3 or 4 channels, got shape {x.shape} "
                         f"({data_format}). Hint: check data_format.")
    if scale:
        x = x - x.min()
        if x.max() != 0:
            x /= x.max()
        x *= 255
    if x.shape[2] == 1:
        if x.max() > 255:
            return Image.fromarray(x[:, :, 0].astype(np.int32), "I")
        return Image.fromarray(x[:, :, 0].astype(np.uint8), "L")
    return Image.fromarray(x.astype(np.uint8), "RGB" if x.shape[2] == 3 else "RGBA")


def save_img(path, x, data_format: str | None = None, file_format: str | None = None,
             scale: bool = True, **kwargs) -> None:
    """Write an image array to ``path`` (the format from ``file_format`` or the suffix; 'jpg'
    means JPEG, whose RGBA images are saved as RGB with a warning). Extra keywords go to
    Pillow's ``save``. The file is written next to ``path`` and then renamed over it.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dot.bmp"
    >>> save_img(path, np.ones((1, 1, 3)))
    >>> load_img(path).mode
    'RGB'
    """
    where = "save_img"
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentError(f"{where}: path must be a file path, got {type(path).__name__}. "
                            "Hint: save_img('out.png', x).")
    path = os.fspath(path)
    if file_format is None:
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format is None:
        raise ArgumentError(f"{where}: no file_format and no suffix in {path!r}. Hint: name the "
                            "file 'out.png' or pass file_format='png'.")
    file_format = "jpeg" if file_format.lower() == "jpg" else file_format.lower()
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel; saving the image as RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    buffer = io.BytesIO()
    try:
        img.save(buffer, format=file_format, **kwargs)
    except KeyError:
        raise ArgumentError(f"{where}: Pillow cannot write file_format {file_format!r}. Hint: "
                            "'png', 'jpeg', 'bmp' or 'gif'.") from None
    if os.path.isdir(path):
        raise ArgumentError(f"{where}: {path!r} is a folder. Hint: name the image file, e.g. "
                            f"{os.path.join(path, 'image.png')!r}.")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; an image is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
