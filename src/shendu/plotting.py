"""Pictures of training: curves per epoch and a confusion matrix, as PNG files (matplotlib).

matplotlib is an extra (``pip install shendu[plot]``) imported only here, inside the functions.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "curves.png")
>>> plot_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]}, path)
>>> open(path, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .errors import ArgumentError


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ArgumentError(
            "Plotting needs matplotlib, which is not installed. "
            "Hint: pip install 'shendu[plot]' (or pip install matplotlib)."
        ) from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path) -> None:
    """Save a figure atomically (temp file in the same folder, then rename)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def plot_history(history: dict, path, title: str | None = None) -> None:
    """One panel per quantity (loss, then each metric), training and validation per epoch."""
    plt = _pyplot()
    names = [k for k in history if not k.startswith("val_") and k not in ("epoch", "lr")]
    names.sort(key=lambda k: (k != "loss", k))
    if not names:
        raise ArgumentError("plot_history: the history has no columns to plot (expected 'loss').")
    fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        train = np.asarray(history[name], dtype=float)
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, marker="o", markersize=3, label=f"training {name}")
        if f"val_{name}" in history:
            val = np.asarray(history[f"val_{name}"], dtype=float)
            ax.plot(np.arange(1, len(val) + 1), val, marker="s", markersize=3,
                    label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name.replace("_", " "))
        ax.set_title(name.replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Counts: rows are true classes, columns predicted classes."""
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    n = num_classes or int(max(y_true.max(), y_pred.max())) + 1
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def plot_confusion(matrix: np.ndarray, path, labels=None, title="Confusion matrix") -> None:
    """A heat map of the confusion matrix with the count in each cell."""
    plt = _pyplot()
    n = matrix.shape[0]
    labels = list(labels) if labels is not None else [str(i) for i in range(n)]
    size = max(4.0, 0.55 * n + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="samples")
    ax.set_xticks(range(n), labels=labels)
    ax.set_yticks(range(n), labels=labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(matrix) / max(1, matrix.sum())
    ax.set_title(f"{title} (accuracy {accuracy:.3f})")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if matrix[i, j] > threshold else "black")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
