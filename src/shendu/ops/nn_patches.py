"""Sliding windows as data: ``unfold`` (image → columns of patches), its adjoint ``fold``
(columns → image, overlaps summed) and ``extract_sequences`` (frames of the last axis).

``unfold`` and ``fold`` are PyTorch's ``F.unfold`` / ``F.fold`` on (N, C, H, W) images, as in
Keras 3: a column holds one window, its rows ordered (channel, kernel row, kernel column), and
the columns run over the windows row by row. Each is the other's backward.

>>> import numpy as np
>>> from shendu.autograd import Tensor
>>> x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
>>> unfold(x, 2).data[0]
array([[0., 1., 3., 4.],
       [1., 2., 4., 5.],
       [3., 4., 6., 7.],
       [4., 5., 7., 8.]])
>>> fold(unfold(x, 2), (3, 3), 2).data[0, 0]  # each cell times the windows that hold it
array([[ 0.,  2.,  2.],
       [ 6., 16., 10.],
       [ 6., 14.,  8.]])
"""

from __future__ import annotations

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_count, floating, is_int


def _pair(op: str, name: str, value, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= minimum, as a pair."""
    pair = (value, value) if is_int(value) else tuple(value) if isinstance(value, (tuple, list)) \
        else None
    if pair is None or len(pair) != 2 or not all(is_int(v) and int(v) >= minimum for v in pair):
        raise ArgumentError(f"{op}: {name} must be an int >= {minimum} or a pair of them, got "
                            f"{value!r}. Hint: e.g. {name}={max(minimum, 1)} or "
                            f"{name}=({max(minimum, 1)}, {max(minimum, 1)}).")
    return int(pair[0]), int(pair[1])


def _windows_count(size, k, d, p, s) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _strided(start: int, count: int, step: int) -> slice:
    return slice(start, start + step * (count - 1) + 1, step)


def _unfold_array(x, k, d, p, s):
    """(N, C, H, W) → (N, C·kH·kW, L) columns of windows."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    oh, ow = (_windows_count(h, k[0], d[0], p[0], s[0]), _windows_count(w, k[1], d[1], p[1], s[1]))
    xpad = xp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1]))) if any(p) else x
    cols = xp.empty((n, c, k[0], k[1], oh, ow), dtype=x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            cols[:, :, i, j] = xpad[:, :, _strided(i * d[0], oh, s[0]),
                                    _strided(j * d[1], ow, s[1])]
    return cols.reshape(n, c * k[0] * k[1], oh * ow)


def _fold_array(cols, out_hw, k, d, p, s):
    """(N, C·kH·kW, L) → (N, C, H, W): each column added back onto its window."""
    xp = get_array_module(cols)
    n = cols.shape[0]
    c = cols.shape[1] // (k[0] * k[1])
    oh, ow = (_windows_count(out_hw[0], k[0], d[0], p[0], s[0]),
              _windows_count(out_hw[1], k[1], d[1], p[1], s[1]))
    cols = cols.reshape(n, c, k[0], k[1], oh, ow)
    hp, wp = out_hw[0] + 2 * p[0], out_hw[1] + 2 * p[1]
    out = xp.zeros((n, c, hp, wp), dtype=cols.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            rows, columns = _strided(i * d[0], oh, s[0]), _strided(j * d[1], ow, s[1])
            out[:, :, rows, columns] += cols[:, :, i, j]
    return out[:, :, p[0]:hp - p[0], p[1]:wp - p[1]]


class Unfold(Function):
    """cols[n, (c, i, j), (u, v)] = x_pad[n, c, u·s + i·d, v·s + j·d]; backward is fold.

    Settings: ``kernel``, ``dilation``, ``padding``, ``stride`` (pairs).
    """

    def forward(self, x):
        self.hw = x.shape[2:]
        return _unfold_array(x, self.kernel, self.dilation, self.padding, self.stride)

    def backward(self, g):
        # unfold is a gather, so dL/dx sums each column's gradient back onto its window
        return _fold_array(g, self.hw, self.kernel, self.dilation, self.padding, self.stride)


class Fold(Function):
    """y = Σ over windows of each column placed on its window (the adjoint of unfold);
    backward is unfold. Settings: ``size`` (H, W), and those of :class:`Unfold`."""

    def forward(self, cols):
        return _fold_array(cols, self.size, self.kernel, self.dilation, self.padding, self.stride)

    def backward(self, g):
        # every output cell is a sum of column entries: dL/dcols gathers dL/dy by window
        return _unfold_array(g, self.kernel, self.dilation, self.padding, self.stride)


def _geometry(op, kernel_size, dilation, padding, stride):
    return (_pair(op, "kernel_size", kernel_size, 1), _pair(op, "dilation", dilation, 1),
            _pair(op, "padding", padding, 0), _pair(op, "stride", stride, 1))


def unfold(x, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The sliding ``kernel_size`` windows of a (N, C, H, W) image as columns: a
    (N, C·kH·kW, L) tensor, L the number of windows (PyTorch's ``F.unfold``).

    >>> import numpy as np
    >>> unfold(np.ones((2, 3, 5, 5)), 3, padding=1, stride=2).shape
    (2, 27, 9)
    """
    x = floating(x)
    k, d, p, s = _geometry("unfold", kernel_size, dilation, padding, stride)
    if x.ndim != 4:
        raise ShapeError(f"unfold: x must be 4-D (N, C, H, W), got shape {x.shape}. Hint: "
                         "channels come before the spatial axes; add a batch axis with x[None].")
    counts = [_windows_count(x.shape[2 + a], k[a], d[a], p[a], s[a]) for a in (0, 1)]
    if min(counts) < 1:
        raise ShapeError(f"unfold: a {k} kernel with dilation {d} and padding {p} does not fit "
                         f"the {x.shape[2:]} image. Hint: use a smaller kernel or more padding.")
    return Unfold.apply(x, kernel=k, dilation=d, padding=p, stride=s)


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Columns of windows (N, C·kH·kW, L) summed back into a (N, C, H, W) image of
    ``output_size`` (PyTorch's ``F.fold``, the adjoint of :func:`unfold`).

    >>> import numpy as np
    >>> fold(np.ones((1, 4, 4)), (3, 3), 2).data[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    x = floating(x)
    size = _pair("fold", "output_size", output_size, 1)
    k, d, p, s = _geometry("fold", kernel_size, dilation, padding, stride)
    if x.ndim != 3:
        raise ShapeError(f"fold: x must be 3-D (N, C·kH·kW, L), got shape {x.shape}. Hint: "
                         "fold takes what unfold returns.")
    counts = [_windows_count(size[a], k[a], d[a], p[a], s[a]) for a in (0, 1)]
    per_window = k[0] * k[1]
    if x.shape[1] % per_window or min(counts) < 1 or x.shape[2] != counts[0] * counts[1]:
        raise ShapeError(
            f"fold: for output_size={size}, kernel_size={k}, dilation={d}, padding={p} and "
            f"stride={s}, x must have shape (N, C·{per_window}, {counts[0] * counts[1]}), got "
            f"{x.shape}. Hint: pass the geometry unfold was called with.")
    return Fold.apply(x, size=size, kernel=k, dilation=d, padding=p, stride=s)


class ExtractSequences(Function):
    """y[..., f, j] = x[..., f·stride + j]; dL/dx adds each frame's gradient back.

    Settings: ``length``, ``stride``.
    """

    def forward(self, x):
        xp = get_array_module(x)
        self.n = x.shape[-1]
        frames = (self.n - self.length) // self.stride + 1
        starts = xp.arange(frames) * self.stride
        return x[..., starts[:, None] + xp.arange(self.length)[None, :]]

    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(g.shape[:-2] + (self.n,), dtype=g.dtype)
        frames = g.shape[-2]
        for j in range(self.length):
            # the j-th entries of the frames sit at j, j + stride, ...
            gx[..., _strided(j, frames, self.stride)] += g[..., j]
        return gx


def extract_sequences(x, sequence_length: int, sequence_stride: int) -> Tensor:
    """Frames of ``sequence_length`` along the last axis, ``sequence_stride`` apart:
    shape (..., 1 + (N − sequence_length) // sequence_stride, sequence_length).

    >>> import numpy as np
    >>> extract_sequences(np.arange(1.0, 7.0), 3, 2).data
    array([[1., 2., 3.],
           [3., 4., 5.]])
    """
    x = floating(x)
    length = check_count("extract_sequences", "sequence_length", sequence_length, 1)
    stride = check_count("extract_sequences", "sequence_stride", sequence_stride, 1)
    if x.ndim == 0 or x.shape[-1] < length:
        raise ShapeError(f"extract_sequences: the last axis must hold at least sequence_length="
                         f"{length} values, got shape {x.shape}. Hint: pad the signal or use "
                         "shorter sequences.")
    return ExtractSequences.apply(x, length=length, stride=stride)
