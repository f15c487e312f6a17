"""keras.ops.image functions of ops/image_api.py: signatures, values, gradients and errors."""

import inspect

import numpy as np
import pytest
import torch

import shendu as keras
from shendu import ops
from shendu.errors import ArgumentError, ShapeError
from shendu.testing import check_gradients

I = ops.image
RNG = np.random.default_rng(0)
X = RNG.random((2, 5, 7, 3))

# Keras 3.15.1's keras.ops.image signatures, literally.
SIGNATURES = {
    "rgb_to_grayscale": "(images, data_format=None)",
    "pad_images": "(images, top_padding=None, left_padding=None, bottom_padding=None, "
                  "right_padding=None, target_height=None, target_width=None, data_format=None)",
    "crop_images": "(images, top_cropping=None, left_cropping=None, bottom_cropping=None, "
                   "right_cropping=None, target_height=None, target_width=None, "
                   "data_format=None)",
    "resize": "(images, size, interpolation='bilinear', antialias=False, "
              "crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode='constant', "
              "fill_value=0.0, data_format=None)",
    "gaussian_blur": "(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None)",
    "affine_transform": "(images, transform, interpolation='bilinear', fill_mode='constant', "
                        "fill_value=0, data_format=None)",
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_and_symbolic(name):
    assert str(inspect.signature(getattr(I, name))) == SIGNATURES[name]
    assert name in I.SYMBOLIC_NAMES


def test_rgb_to_grayscale():
    y = I.rgb_to_grayscale(X).data
    np.testing.assert_allclose(y[..., 0], X @ np.array([0.2989, 0.5870, 0.1140]))
    cf = I.rgb_to_grayscale(X.transpose(0, 3, 1, 2), data_format="channels_first").data
    np.testing.assert_allclose(cf, y.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(I.rgb_to_grayscale(X[..., :1]).data, X[..., :1])
    ints = I.rgb_to_grayscale(np.full((1, 1, 3), 10, dtype=np.int32))
    assert ints.data.dtype == np.int32 and ints.data.item() == 9  # 9.999 truncated
    assert check_gradients(lambda t: I.rgb_to_grayscale(t), [X[:1, :2, :2]]) < 1e-6
    with pytest.raises(ShapeError, match="Hint"):
        I.rgb_to_grayscale(X[..., :2])
    with pytest.raises(ShapeError, match="rank 3"):
        I.rgb_to_grayscale(X[0, 0])


def test_pad_and_crop_images():
    y = I.pad_images(X, 1, 2, None, 0, target_height=8).data
    np.testing.assert_array_equal(y, np.pad(X, ((0, 0), (1, 2), (2, 0), (0, 0))))
    y = I.pad_images(X[0], None, None, 1, 1, 7, 9).data
    np.testing.assert_array_equal(y, np.pad(X[0], ((1, 1), (1, 1), (0, 0))))
    cf = I.pad_images(X.transpose(0, 3, 1, 2), 1, 1, 0, 0, data_format="channels_first").data
    assert cf.shape == (2, 3, 6, 8)
    c = I.crop_images(X, 1, 2, None, 1, target_height=3).data
    np.testing.assert_array_equal(c, X[:, 1:4, 2:6])
    c = I.crop_images(X[0], None, None, 1, 1, 2, 3).data
    np.testing.assert_array_equal(c, X[0, 2:4, 3:6])
    small = X[:1, :3, :3, :1]
    assert check_gradients(lambda t: I.pad_images(t, 1, 0, 0, 2), [small]) < 1e-6
    assert check_gradients(lambda t: I.crop_images(t, 1, 0, 0, 1), [small]) < 1e-6
    with pytest.raises(ArgumentError, match="exactly one"):
        I.pad_images(X, 1, 1, 1, None, target_height=9)
    with pytest.raises(ArgumentError, match="top_padding must be >= 0"):
        I.pad_images(X, None, 0, 1, 0, target_height=3)
    with pytest.raises(ArgumentError, match="target_width must be >= 0"):
        I.crop_images(X, 0, 4, 0, 4)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])  # torch bicubic is a = −0.75
def test_resize_matches_torch(mode):
    torch_mode = "nearest-exact" if mode == "nearest" else mode
    kwargs = {} if mode == "nearest" else {"align_corners": False}
    for size in [(3, 4), (9, 11)]:
        ref = torch.nn.functional.interpolate(torch.tensor(X).permute(0, 3, 1, 2), size=size,
                                              mode=torch_mode, **kwargs)
        y = I.resize(X, size, interpolation=mode).data
        np.testing.assert_allclose(y, ref.permute(0, 2, 3, 1).numpy(), atol=1e-10)
    ref = torch.nn.functional.interpolate(torch.tensor(X).permute(0, 3, 1, 2), size=(3, 4),
                                          mode="bilinear", align_corners=False, antialias=True)
    y = I.resize(X.transpose(0, 3, 1, 2), (3, 4), antialias=True, data_format="channels_first")
    np.testing.assert_allclose(y.data, ref.numpy(), atol=1e-10)


def test_resize_aspect_ratio():
    x = np.arange(12.0).reshape(3, 4, 1)
    # keras.ops.image.resize(x, (2, 2), crop_to_aspect_ratio=True), Keras 3.15.1 (TensorFlow)
    np.testing.assert_allclose(I.resize(x, (2, 2), crop_to_aspect_ratio=True).data[..., 0],
                               [[1.25, 2.75], [7.25, 8.75]])
    x = np.arange(8.0).reshape(2, 4, 1)
    # pad_to_aspect_ratio=True, fill_value=-1.0, Keras 3.15.1 (TensorFlow)
    y = I.resize(x, (2, 2), pad_to_aspect_ratio=True, fill_value=-1.0).data[..., 0]
    np.testing.assert_allclose(y, [[-0.25, 0.75], [1.75, 2.75]])
    small = X[:1, :4, :3, :1]
    assert check_gradients(lambda t: I.resize(t, (3, 5), pad_to_aspect_ratio=True,
                                              fill_value=0.5), [small]) < 1e-6
    with pytest.raises(ArgumentError, match="interpolation"):
        I.resize(X, (2, 2), interpolation="area")
    with pytest.raises(ArgumentError, match="fill_mode"):
        I.resize(X, (2, 2), fill_mode="reflect")
    with pytest.raises(ArgumentError, match="both"):
        I.resize(X, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ArgumentError, match="size"):
        I.resize(X, (2, 2, 2))


def _blur_reference(x, size, sigma):
    """Keras's formula spelled out: rows kernel of size[1], σ[1]; columns of size[0], σ[0];
    zero padding of (k − 1) // 2 before."""
    def k1(n, s):
        t = np.arange(n) - (n - 1) / 2
        return np.exp(-0.5 * (t / s) ** 2) / np.exp(-0.5 * (t / s) ** 2).sum()

    kernel = np.outer(k1(size[1], sigma[1]), k1(size[0], sigma[0]))
    kh, kw = kernel.shape
    pt, pl = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(x, ((0, 0), (pt, kh - 1 - pt), (pl, kw - 1 - pl), (0, 0)))
    out = np.zeros_like(x)
    for r in range(x.shape[1]):
        for c in range(x.shape[2]):
            out[:, r, c] = np.einsum("ij,nijc->nc", kernel, padded[:, r:r + kh, c:c + kw])
    return out


@pytest.mark.parametrize("size, sigma", [((3, 3), (1.0, 1.0)), ((5, 3), (0.7, 1.3)),
                                         ((4, 5), (0.7, 1.3)), ((2, 3), (1.5, 0.9))])
def test_gaussian_blur(size, sigma):
    np.testing.assert_allclose(I.gaussian_blur(X, size, sigma).data,
                               _blur_reference(X, size, sigma), atol=1e-12)
    cf = I.gaussian_blur(X[0].transpose(2, 0, 1), size, sigma, data_format="channels_first")
    np.testing.assert_allclose(cf.data, _blur_reference(X[:1], size, sigma)[0].transpose(2, 0, 1),
                               atol=1e-12)
    assert check_gradients(lambda t: I.gaussian_blur(t, size, sigma), [X[:1, :4, :4, :1]]) < 1e-6


def test_gaussian_blur_matches_torch_conv():
    # 3×3 Gaussian of σ = 1 as a depthwise torch conv with zero padding
    t = np.arange(3) - 1.0
    k = np.exp(-0.5 * t ** 2)
    kernel = np.outer(k, k) / np.outer(k, k).sum()
    w = torch.tensor(kernel)[None, None].repeat(3, 1, 1, 1)
    ref = torch.nn.functional.conv2d(torch.tensor(X).permute(0, 3, 1, 2), w, padding=1,
                                     groups=3).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(I.gaussian_blur(X).data, ref, atol=1e-12)
    with pytest.raises(ArgumentError, match="sigma"):
        I.gaussian_blur(X, (3, 3), (0.0, 1.0))


def test_affine_transform_keras_numbers():
    x = np.arange(12.0).reshape(3, 4, 1)
    t = np.array([0.9, 0.2, 0.3, -0.1, 1.1, 0.4, 0.02, -0.03])
    # keras.ops.image.affine_transform(x, t, fill_mode=m, fill_value=0.5), Keras 3.15.1 (TF)
    expected = {
        "constant": [[1.9, 2.352941, 2.788462, 3.207547],
                     [6.701031, 7.070707, 7.425742, 6.895514],
                     [2.429605, 4.128469, 6.038317, 4.909999]],
        "nearest": [[1.9, 2.352941, 2.788462, 3.207547],
                    [6.701031, 7.070707, 7.425742, 7.660194],
                    [8.74468, 9.666666, 10.55102, 11.0]],
    }
    for mode, want in expected.items():
        y = I.affine_transform(x, t, fill_mode=mode, fill_value=0.5).data[..., 0]
        np.testing.assert_allclose(y, want, atol=1e-5)
    # a shift by (+1.3 rows, −1.6 columns) with reflection, Keras 3.15.1 (TF)
    y = I.affine_transform(x, [1.0, 0, -1.6, 0, 1.0, 1.3, 0, 0], fill_mode="reflect")
    np.testing.assert_allclose(y.data[..., 0], [[5.8, 5.2, 5.6, 6.6], [8.6, 8.0, 8.4, 9.4],
                                                [7.4, 6.8, 7.2, 8.2]], atol=1e-5)


def test_affine_transform_hand_worked():
    x = np.arange(4.0).reshape(1, 4, 1)
    shift = [1.0, 0, 2.0, 0, 1.0, 0, 0, 0]  # read two columns to the right
    # wrap: (a b c d | a b c d), periodic
    y = I.affine_transform(x, shift, fill_mode="wrap", interpolation="nearest")
    np.testing.assert_array_equal(y.data.ravel(), [2.0, 3.0, 0.0, 1.0])
    y = I.affine_transform(x, shift, fill_mode="constant", fill_value=-1)
    np.testing.assert_array_equal(y.data.ravel(), [2.0, 3.0, -1.0, -1.0])
    # one transform per image, channels first
    xb = np.stack([x, x + 10]).transpose(0, 3, 1, 2)
    ts = np.array([shift, [1.0, 0, 0, 0, 1.0, 0, 0, 0]])
    y = I.affine_transform(xb, ts, data_format="channels_first").data
    np.testing.assert_array_equal(y[:, 0, 0], [[2.0, 3.0, 0.0, 0.0], [10.0, 11.0, 12.0, 13.0]])
    t = [0.9, 0.1, 0.3, -0.1, 1.1, 0.4, 0.02, -0.03]
    assert check_gradients(lambda a: I.affine_transform(a, t), [X[:1, :3, :4, :1]]) < 1e-6
    with pytest.raises(ShapeError, match="transform"):
        I.affine_transform(x, [1.0, 0, 0])
    with pytest.raises(ArgumentError, match="fill_mode"):
        I.affine_transform(x, shift, fill_mode="mirror")
    with pytest.raises(ArgumentError, match="interpolation"):
        I.affine_transform(x, shift, interpolation="bicubic")


def test_symbolic_tensors_record_nodes():
    inputs = keras.Input((4, 6, 3))
    gray = I.rgb_to_grayscale(inputs)
    y = I.resize(I.pad_images(gray, 1, 1, 1, 1), (3, 4))
    model = keras.Model(inputs, I.gaussian_blur(y))
    x = RNG.random((2, 4, 6, 3))
    want = I.gaussian_blur(I.resize(I.pad_images(I.rgb_to_grayscale(x), 1, 1, 1, 1), (3, 4)))
    np.testing.assert_allclose(model.predict(x, verbose=0), want.data, rtol=1e-5)
