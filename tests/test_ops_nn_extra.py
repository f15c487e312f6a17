"""The keras.ops nn-family names of ops/nn_extra.py: Keras 3.15's signatures; each
differentiable op forward and gradient against PyTorch and backward against finite
differences, from one table; the CTC decoders on hand-worked and brute-force examples; bad
input against the error family."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import shendu as keras_like
from op_table import (
    Case,
    distinct,
    fixed,
    normal,
    plain_signature,
    positive,
    table_tests,
)
from shendu import ops
from shendu.errors import ArgumentError, DataError, ShapeError, ShenduError

KERAS_SIGNATURES = {
    "adaptive_average_pool": "(inputs, output_size, data_format=None)",
    "adaptive_max_pool": "(inputs, output_size, data_format=None)",
    "batch_normalization": "(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001)",
    "binary_crossentropy": "(target, output, from_logits=False)",
    "categorical_crossentropy": "(target, output, from_logits=False, axis=-1)",
    "ctc_decode": "(inputs, sequence_lengths, strategy='greedy', beam_width=100, top_paths=1, "
                  "merge_repeated=True, mask_index=0)",
    "ctc_loss": "(target, output, target_length, output_length, mask_index=0)",
    "depth_to_space": "(x, block_size, data_format='channels_last')",
    "dot_product_attention": "(query, key, value, bias=None, mask=None, scale=None, "
                             "is_causal=False, flash_attention=None, attn_logits_soft_cap=None)",
    "extract_sequences": "(x, sequence_length, sequence_stride)",
    "fold": "(x, output_size, kernel_size, dilation=1, padding=0, stride=1)",
    "layer_normalization": "(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs)",
    "moments": "(x, axes, keepdims=False, synchronized=False)",
    "psnr": "(x1, x2, max_val)",
    "rearrange": "(tensor, pattern, **axes_lengths)",
    "separable_conv": "(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding='valid', "
                      "data_format=None, dilation_rate=1)",
    "space_to_depth": "(x, block_size, data_format='channels_last')",
    "sparse_categorical_crossentropy": "(target, output, from_logits=False, axis=-1)",
    "sparsemax": "(x, axis=-1)",
    "unfold": "(x, kernel_size, dilation=1, padding=0, stride=1)",
}


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_keras_signature(name):
    assert name in keras_like.ops.__all__
    assert plain_signature(getattr(keras_like.ops, name)) == KERAS_SIGNATURES[name]


def uniform(low, high, *shape):
    return lambda rng: rng.uniform(low, high, size=shape)


def labels(high, *shape):
    return lambda rng: rng.integers(0, high, size=shape)


def one_hot(classes, rows):
    return lambda rng: np.eye(classes)[rng.integers(0, classes, rows)]


def _t_sparsemax(T, x, dim=-1):
    z = x.movedim(dim, -1)
    s = z.sort(dim=-1, descending=True).values
    cum = s.cumsum(-1)
    rank = T.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    k = (1 + rank * s > cum).sum(-1, keepdim=True)
    tau = (cum.gather(-1, k - 1) - 1) / k
    return T.clamp(z - tau, min=0).movedim(-1, dim)


def _t_attention(T, q, k, v, bias=None, mask=None, causal=False, scale=None):
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    group = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
    logits = q @ k.transpose(-1, -2) * (scale or q.shape[-1] ** -0.5)
    if bias is not None:
        logits = logits + bias
    if mask is not None:
        logits = logits.masked_fill(~T.as_tensor(mask), -1e300)
    if causal:
        t, s = logits.shape[-2:]
        logits = logits.masked_fill(~T.ones(t, s, dtype=T.bool).tril(), -1e300)
    return (logits.softmax(-1) @ v).transpose(1, 2)


MASK = np.random.default_rng(3).random((2, 1, 3, 4)) > 0.3
MASK[..., 0] = True  # every query sees one key at least
F = "torch.nn.functional"


def _nchw(t):
    return t.permute(0, 3, 1, 2)


def _nhwc(t):
    return t.permute(0, 2, 3, 1)


def _t_separable(T, x, dk, pk, stride=1, padding=0, dilation=1):
    c, mult = dk.shape[2], dk.shape[3]
    w = dk.reshape(dk.shape[0], dk.shape[1], c * mult).permute(2, 0, 1)[:, None]
    y = T.nn.functional.conv2d(_nchw(x), w, stride=stride, padding=padding, dilation=dilation,
                               groups=c)
    y = T.nn.functional.conv2d(y, pk[0, 0].T[:, :, None, None])
    return _nhwc(y)


def _t_bce(T, y, p):
    eps = 1e-7
    p = p.clamp(eps, 1 - eps)
    return -(y * p.log() + (1 - y) * (1 - p).log())


def _t_cce(T, y, p, dim=-1):
    eps = 1e-7
    p = (p / p.sum(dim, keepdim=True)).clamp(eps, 1 - eps)
    return -(y * p.log()).sum(dim)


def _t_depth_to_space_last(T, x, b):
    n, h, w, c = x.shape
    y = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h * b, w * b, c // (b * b))


CTC_TARGET = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]])
CTC_T_LEN, CTC_O_LEN = np.array([3, 2, 1]), np.array([6, 5, 3])

CASES = [
    Case("attention_gqa_bias_mask",
         lambda q, k, v, b: ops.dot_product_attention(q, k, v, bias=b, mask=MASK),
         lambda T, q, k, v, b: _t_attention(T, q, k, v, bias=b, mask=MASK),
         [normal(2, 3, 4, 5), normal(2, 4, 2, 5), normal(2, 4, 2, 5), normal(1, 4, 3, 4)]),
    Case("attention_causal_scale",
         lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=True, scale=0.3),
         lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(
             q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True,
             scale=0.3).transpose(1, 2),
         [normal(2, 4, 3, 5), normal(2, 4, 3, 5), normal(2, 4, 3, 5)]),
    Case("moments_mean", lambda x: ops.moments(x, (0, 2))[0],
         lambda T, x: T.var_mean(x, dim=(0, 2), unbiased=False)[1], [normal(3, 4, 5)]),
    Case("moments_variance_keepdims", lambda x: ops.moments(x, [1], keepdims=True)[1],
         lambda T, x: T.var_mean(x, dim=1, unbiased=False, keepdim=True)[0], [normal(3, 4, 5)]),
    Case("batch_normalization",
         lambda x, mu, var, b, g: ops.batch_normalization(x, mu, var, 1, b, g, epsilon=0.01),
         lambda T, x, mu, var, b, g: (x - mu[:, None]) / T.sqrt(var[:, None] + 0.01)
         * g[:, None] + b[:, None],
         [normal(3, 4, 5), normal(4), positive(4), normal(4), normal(4)]),
    Case("layer_normalization",
         lambda x, g, b: ops.layer_normalization(x, g, b),
         lambda T, x, g, b: T.nn.functional.layer_norm(x, (5,), g, b, eps=1e-7),
         [normal(3, 4, 5), normal(5), normal(5)]),
    Case("layer_normalization_two_axes", lambda x, g: ops.layer_normalization(x, g, axis=(1, 2)),
         lambda T, x, g: T.nn.functional.layer_norm(x, (4, 5), g, eps=1e-7),
         [normal(3, 4, 5), normal(4, 5)]),
    Case("binary_crossentropy", ops.binary_crossentropy, _t_bce,
         [uniform(0, 1, 3, 4), uniform(0.05, 0.95, 3, 4)]),
    Case("binary_crossentropy_logits",
         lambda y, z: ops.binary_crossentropy(y, z, from_logits=True),
         lambda T, y, z: T.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none"),
         [uniform(0, 1, 3, 4), normal(3, 4)]),
    Case("categorical_crossentropy", ops.categorical_crossentropy, _t_cce,
         [one_hot(4, 3), uniform(0.1, 1.0, 3, 4)]),
    Case("categorical_crossentropy_logits_axis0",
         lambda y, z: ops.categorical_crossentropy(y, z, from_logits=True, axis=0),
         lambda T, y, z: T.nn.functional.cross_entropy(z.T, y.T, reduction="none"),
         [uniform(0, 1, 4, 3), normal(4, 3)]),
    Case("sparse_categorical_crossentropy",
         lambda y, p: ops.sparse_categorical_crossentropy(y, p),
         lambda T, y, p: _t_cce(T, T.nn.functional.one_hot(y, 4).double(), p),
         [labels(4, 2, 3), uniform(0.1, 1.0, 2, 3, 4)]),
    Case("sparse_categorical_crossentropy_logits",
         lambda y, z: ops.sparse_categorical_crossentropy(y, z, from_logits=True),
         lambda T, y, z: T.nn.functional.cross_entropy(z, y[:, 0], reduction="none"),
         [labels(4, 3, 1), normal(3, 4)]),
    Case("separable_conv_2d_same_strided",
         lambda x, dk, pk: ops.separable_conv(x, dk, pk, 2, "same"),
         lambda T, x, dk, pk: _t_separable(T, x, dk, pk, stride=2, padding=1),
         [normal(2, 5, 5, 3), normal(3, 3, 3, 2), normal(1, 1, 6, 4)]),
    Case("separable_conv_1d_dilated",
         lambda x, dk, pk: ops.separable_conv(x, dk, pk, dilation_rate=2),
         lambda T, x, dk, pk: _t_separable(T, x[:, None], dk[None], pk[None], dilation=2)[:, 0],
         [normal(2, 9, 3), normal(3, 3, 2), normal(1, 6, 4)]),
    Case("adaptive_average_pool_2d",
         lambda x: ops.adaptive_average_pool(x, (3, 4)),
         lambda T, x: _nhwc(T.nn.functional.adaptive_avg_pool2d(_nchw(x), (3, 4))),
         [normal(2, 7, 9, 3)]),
    Case("adaptive_max_pool_1d_channels_first",
         lambda x: ops.adaptive_max_pool(x, 3, data_format="channels_first"),
         lambda T, x: T.nn.functional.adaptive_max_pool1d(x, 3), [distinct(2, 3, 8)]),
    Case("depth_to_space_channels_last", lambda x: ops.depth_to_space(x, 2),
         lambda T, x: _t_depth_to_space_last(T, x, 2), [normal(2, 2, 3, 8)]),
    Case("depth_to_space_channels_first",
         lambda x: ops.depth_to_space(x, 2, data_format="channels_first"),
         lambda T, x: T.nn.functional.pixel_shuffle(x, 2), [normal(2, 8, 2, 3)]),
    Case("space_to_depth_channels_first",
         lambda x: ops.space_to_depth(x, 2, data_format="channels_first"),
         lambda T, x: T.nn.functional.pixel_unshuffle(x, 2), [normal(2, 3, 4, 6)]),
    Case("psnr", lambda a, b: ops.psnr(a, b, 2.0),
         lambda T, a, b: 20 * T.log10(T.tensor(2.0, dtype=T.float64))
         - 10 * T.log10(((a - b) ** 2).mean()), [normal(2, 4, 4, 3), normal(2, 4, 4, 3)]),
    Case("sparsemax", ops.sparsemax, _t_sparsemax, [distinct(3, 6)]),
    Case("sparsemax_axis0", lambda x: ops.sparsemax(x * 0.2, axis=0),
         lambda T, x: _t_sparsemax(T, x * 0.2, dim=0), [distinct(6, 3)]),
    Case("ctc_loss",
         lambda y, z, tl, ol: ops.ctc_loss(y, z, tl, ol),
         lambda T, y, z, tl, ol: T.nn.functional.ctc_loss(
             z.log_softmax(-1).transpose(0, 1), y, ol, tl, blank=0, reduction="none"),
         [fixed(CTC_TARGET), normal(3, 6, 4), fixed(CTC_T_LEN), fixed(CTC_O_LEN)]),
    Case("ctc_loss_blank_last",
         lambda y, z, tl, ol: ops.ctc_loss(y, z, tl, ol, mask_index=3),
         lambda T, y, z, tl, ol: T.nn.functional.ctc_loss(
             z.log_softmax(-1).transpose(0, 1), y, ol, tl, blank=3, reduction="none"),
         [fixed(np.array([[0, 1, 1], [2, 2, 0]])), normal(2, 7, 4), fixed(np.array([3, 2])),
          fixed(np.array([7, 6]))]),
    Case("extract_sequences", lambda x: ops.extract_sequences(x, 4, 3),
         lambda T, x: x.unfold(-1, 4, 3), [normal(2, 3, 11)]),
    Case("unfold", lambda x: ops.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2),
         lambda T, x: T.nn.functional.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2),
         [normal(2, 3, 6, 7)]),
    Case("fold", lambda x: ops.fold(x, (5, 6), 2, dilation=(2, 1), padding=1, stride=(2, 1)),
         lambda T, x: T.nn.functional.fold(x, (5, 6), 2, dilation=(2, 1), padding=1,
                                           stride=(2, 1)),
         [normal(2, 12, 21)]),
    Case("rearrange", lambda x: ops.rearrange(x, "b (h w) c -> (c h) b w", w=3),
         lambda T, x: x.reshape(2, 2, 3, 4).permute(3, 1, 0, 2).reshape(8, 2, 3),
         [normal(2, 6, 4)]),
]


(test_forward_matches_torch, test_gradient_matches_torch,
 test_backward_matches_finite_differences) = table_tests(CASES)


def test_depth_to_space_and_space_to_depth_are_inverse():
    x = np.random.default_rng(0).normal(size=(2, 4, 6, 12))
    for fmt in ("channels_last", "channels_first"):
        back = ops.depth_to_space(ops.space_to_depth(x, 2, fmt), 2, fmt)
        np.testing.assert_array_equal(back.data, x)


def test_moments_and_layer_normalization_on_keras_examples():
    mean, variance = ops.moments(np.array([0.0, 1.0, 2.0, 3.0, 100.0]), axes=[0])
    assert mean.shape == () and float(mean.data) == pytest.approx(21.2)
    assert float(variance.data) == pytest.approx(1553.36)
    np.testing.assert_allclose(ops.layer_normalization(np.arange(5.0)).data,
                               [-1.4142135, -0.70710677, 0.0, 0.7071067, 1.4142135], rtol=1e-6)


# -- CTC decoding: no gradient -------------------------------------------------------------
PROBS = np.array([[[.1, .6, .3], [.1, .6, .3], [.7, .2, .1], [.1, .2, .7]]])


def test_ctc_greedy_decode_by_hand():
    # best per frame 1, 1, 0, 2 → merged 1, 0, 2 → blanks dropped: 1, 2
    paths, scores = ops.ctc_decode(np.log(PROBS), np.array([4]))
    assert paths.data.tolist() == [[[1, 2, -1, -1]]]
    np.testing.assert_allclose(scores.data, [[-np.log(.6 * .6 * .7 * .7)]])
    paths, _ = ops.ctc_decode(np.log(PROBS), np.array([4]), merge_repeated=False)
    assert paths.data.tolist() == [[[1, 1, 2, -1]]]
    paths, scores = ops.ctc_decode(np.log(PROBS), np.array([2]))  # frames past the length
    assert paths.data.tolist() == [[[1, -1, -1, -1]]]
    np.testing.assert_allclose(scores.data, [[-2 * np.log(.6)]])
    paths, _ = ops.ctc_decode(np.log(PROBS), np.array([4]), mask_index=1)
    assert paths.data.tolist() == [[[0, 2, -1, -1]]]


def _exact_prefixes(log_p, blank=0):
    """log P of every label sequence, summed over all alignments (brute force)."""
    totals = {}
    for alignment in itertools.product(range(log_p.shape[1]), repeat=log_p.shape[0]):
        score = sum(log_p[t, c] for t, c in enumerate(alignment))
        labels = tuple(c for i, c in enumerate(alignment)
                       if c != blank and (i == 0 or alignment[i - 1] != c))
        totals[labels] = np.logaddexp(totals.get(labels, -np.inf), score)
    return sorted(totals.items(), key=lambda kv: -kv[1])


def test_ctc_beam_search_with_a_wide_beam_is_exact():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 5, 4))
    paths, scores = ops.ctc_decode(logits, np.array([5, 4]), strategy="beam_search",
                                   beam_width=500, top_paths=3)
    assert paths.shape == (3, 2, 5) and scores.shape == (2, 3)
    for i, length in enumerate((5, 4)):
        z = logits[i, :length]
        exact = _exact_prefixes(z - np.log(np.exp(z).sum(-1, keepdims=True)))[:3]
        for k, (labels, score) in enumerate(exact):
            assert paths.data[k, i].tolist() == list(labels) + [-1] * (5 - len(labels))
            assert scores.data[i, k] == pytest.approx(score, abs=1e-12)


def test_ctc_beam_search_by_hand():
    # the best two prefixes survive a beam of 4; the alignments pruned on the way are lost, so
    # the scores are below the exact ones (-1.0194, -1.9052): Keras 3.15 gives these numbers
    paths, scores = ops.ctc_decode(np.log(PROBS), np.array([4]), strategy="beam_search",
                                   beam_width=4, top_paths=2)
    assert paths.data[:, 0].tolist() == [[1, 2, -1, -1], [2, 1, 2, -1]]
    np.testing.assert_allclose(scores.data[0], [-1.0233192, -2.006935], rtol=1e-6)
    exact = dict(_exact_prefixes(np.log(PROBS[0])))
    assert np.all(scores.data[0] < [exact[(1, 2)], exact[(2, 1, 2)]])


def test_ctc_loss_is_infinite_without_an_alignment_and_gives_no_gradient():
    from shendu.autograd import Tensor

    z = Tensor(np.zeros((1, 2, 3)), requires_grad=True)
    loss = ops.ctc_loss(np.array([[1, 1]]), z, np.array([2]), np.array([2]))  # needs 3 frames
    assert np.isinf(loss.data[0])
    loss.sum().backward()
    assert np.all(z.grad == 0)


# -- bad input -------------------------------------------------------------------------------
BAD = [
    (ShapeError, "dot_product_attention", lambda: ops.dot_product_attention(
        np.ones((2, 3, 4)), np.ones((2, 3, 4)), np.ones((2, 3, 4)))),
    (ShapeError, "dot_product_attention", lambda: ops.dot_product_attention(
        np.ones((1, 2, 3, 4)), np.ones((1, 2, 2, 4)), np.ones((1, 2, 2, 4)))),
    (ArgumentError, "flash_attention", lambda: ops.dot_product_attention(
        np.ones((1, 2, 2, 4)), np.ones((1, 2, 2, 4)), np.ones((1, 2, 2, 4)),
        flash_attention=True)),
    (ArgumentError, "axes", lambda: ops.moments(np.ones((2, 3)), axes=(2,))),
    (ShapeError, "variance", lambda: ops.batch_normalization(
        np.ones((2, 3)), np.zeros(3), np.ones(2), axis=-1)),
    (ArgumentError, "unexpected", lambda: ops.layer_normalization(np.ones(3), center=True)),
    (ShapeError, "same shape", lambda: ops.binary_crossentropy(np.ones(3), np.ones((3, 1)))),
    (ShapeError, "same shape", lambda: ops.categorical_crossentropy(np.ones((2, 3)),
                                                                     np.ones((2, 4)))),
    (DataError, "labels", lambda: ops.sparse_categorical_crossentropy(np.array([3]),
                                                                       np.ones((1, 3)))),
    (ArgumentError, "axis=-1", lambda: ops.sparse_categorical_crossentropy(
        np.array([0, 1]), np.ones((2, 3)), axis=0)),
    (ShapeError, "pointwise_kernel", lambda: ops.separable_conv(
        np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 2)), np.ones((1, 1, 3, 3)))),
    (ArgumentError, "output_size", lambda: ops.adaptive_average_pool(np.ones((1, 4, 4, 1)),
                                                                      (2, 2, 2))),
    (ArgumentError, "data_format", lambda: ops.adaptive_max_pool(np.ones((1, 4, 4, 1)), 2,
                                                                  "nhwc")),
    (ShapeError, "multiple of block_size", lambda: ops.depth_to_space(np.ones((1, 2, 2, 6)), 2)),
    (ShapeError, "multiples of block_size", lambda: ops.space_to_depth(np.ones((1, 3, 2, 1)), 2)),
    (ShapeError, "same shape", lambda: ops.psnr(np.ones(3), np.ones(4), 1.0)),
    (ArgumentError, "sparsemax: axis", lambda: ops.sparsemax(np.ones(3), axis=1)),
    (ArgumentError, "mask_index", lambda: ops.ctc_loss(
        np.array([[1]]), np.zeros((1, 2, 3)), np.array([1]), np.array([2]), mask_index=1)),
    (ArgumentError, "output_length", lambda: ops.ctc_loss(
        np.array([[1]]), np.zeros((1, 2, 3)), np.array([1]), np.array([5]))),
    (ShapeError, "target", lambda: ops.ctc_loss(
        np.array([1]), np.zeros((1, 2, 3)), np.array([1]), np.array([2]))),
    (ArgumentError, "strategy", lambda: ops.ctc_decode(np.zeros((1, 2, 3)), np.array([2]),
                                                        strategy="prefix")),
    (ArgumentError, "top_paths", lambda: ops.ctc_decode(
        np.zeros((1, 2, 3)), np.array([2]), strategy="beam_search", beam_width=2, top_paths=3)),
    (ShapeError, "sequence_length", lambda: ops.extract_sequences(np.ones(3), 4, 1)),
    (ArgumentError, "sequence_stride", lambda: ops.extract_sequences(np.ones(5), 2, 0)),
    (ShapeError, "unfold: x must be 4-D", lambda: ops.unfold(np.ones((3, 4, 4)), 2)),
    (ArgumentError, "kernel_size", lambda: ops.unfold(np.ones((1, 1, 4, 4)), (2, 2, 2))),
    (ShapeError, "fold", lambda: ops.fold(np.ones((1, 4, 5)), (3, 3), 2)),
    (ArgumentError, "each axis name", lambda: ops.rearrange(np.ones((2, 3)), "a b -> a c")),
    (ShapeError, "cannot split", lambda: ops.rearrange(np.ones((2, 5)), "a (b c) -> a b c", b=2)),
    (ArgumentError, "not supported", lambda: ops.rearrange(np.ones((2, 3)), "... b -> b ...")),
]


@pytest.mark.parametrize("error, words, call", BAD, ids=[f"{i}-{b[1]}" for i, b in
                                                         enumerate(BAD)])
def test_bad_input_is_refused_with_a_clear_error(error, words, call):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, ShenduError)
    assert words in str(info.value) and "Hint:" in str(info.value)
