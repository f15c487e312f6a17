"""Connectionist temporal classification: the loss (forward-backward over the label lattice,
with its gradient) and the decoders (greedy and prefix beam search), as in Keras 3.

A target of n labels is spread on the lattice blank, l₁, blank, l₂, …, lₙ, blank (2n + 1
states). α_t(s) is the log probability of the first t + 1 frames ending in state s; β_t(s) that
of the frames after t given state s at t. The loss is −log P with P summed over the last two
states at the last frame, and the gradient of the logits is softmax − occupancy, the
occupancy of class c at frame t being Σ_{s: label s = c} exp(α_t(s) + β_t(s) − log P).

>>> import numpy as np
>>> logits = np.log(np.array([[[0.5, 0.5], [0.5, 0.5]]]))  # blank = 0, one class
>>> round(float(ctc_loss(np.array([[1]]), logits, np.array([1]), np.array([2])).data[0]), 6)
0.287682
"""

from __future__ import annotations

import functools

import numpy as np

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .arguments import check_count, data, floating


def _log_softmax(z):
    xp = get_array_module(z)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


class CTCLoss(Function):
    """loss_b = −log Σ over alignments of target b of Π_t softmax(z_b,t)[alignment_t].

    Settings: ``labels`` (B, L) ints, ``label_lengths`` and ``frame_lengths`` (B,) ints,
    ``blank``.
    """

    def forward(self, z):
        xp = get_array_module(z)
        b, frames, _ = z.shape
        self.lp = lp = _log_softmax(z)
        n = self.labels.shape[1]
        # the lattice: blank at even states, the labels at odd ones
        ext = xp.full((b, 2 * n + 1), self.blank, dtype=np.int64)
        ext[:, 1::2] = self.labels
        self.ext = ext
        same = xp.zeros(ext.shape, dtype=bool)
        same[:, 2:] = ext[:, 2:] == ext[:, :-2]
        self.skip = (ext != self.blank) & ~same  # s − 2 → s allowed
        picked = xp.broadcast_to(ext[:, None, :], (b, frames, ext.shape[1]))
        emit = xp.take_along_axis(lp, picked, axis=2).transpose(1, 0, 2)  # (T, B, S)
        self.emit = emit
        neg = -np.inf
        alpha = xp.full((frames,) + ext.shape, neg, dtype=z.dtype)
        alpha[0, :, :2] = emit[0, :, :2]
        for t in range(1, frames):
            prev = alpha[t - 1]
            # α_t(s) = (α_{t−1}(s) ⊕ α_{t−1}(s−1) ⊕ [skip] α_{t−1}(s−2)) + log p_t(label s)
            acc = prev.copy()
            acc[:, 1:] = xp.logaddexp(acc[:, 1:], prev[:, :-1])
            acc[:, 2:] = xp.where(self.skip[:, 2:], xp.logaddexp(acc[:, 2:], prev[:, :-2]),
                                  acc[:, 2:])
            alpha[t] = acc + emit[t]
        self.alpha = alpha
        last = alpha[self.frame_lengths - 1, xp.arange(b)]  # (B, S) at each sample's last frame
        end = 2 * self.label_lengths
        tail = xp.where(end > 0, last[xp.arange(b), xp.maximum(end - 1, 0)], neg)
        self.log_p = xp.logaddexp(last[xp.arange(b), end], tail)
        return -self.log_p

    def backward(self, g):
        xp = get_array_module(g)
        alpha, emit, skip = self.alpha, self.emit, self.skip
        frames, b, states = alpha.shape
        end = 2 * self.label_lengths
        beta = xp.full(alpha.shape, -np.inf, dtype=alpha.dtype)
        start = xp.zeros((b, states), dtype=alpha.dtype) - np.inf
        start[xp.arange(b), end] = 0.0
        tail = xp.where(end > 0, end - 1, end)
        start[xp.arange(b), tail] = 0.0
        for t in range(frames - 1, -1, -1):
            if t < frames - 1:
                nxt = beta[t + 1] + emit[t + 1]
                # β_t(s) = ⊕ over s' ∈ {s, s+1, s+2 if skip} of β_{t+1}(s') + log p_{t+1}(s')
                acc = nxt.copy()
                acc[:, :-1] = xp.logaddexp(acc[:, :-1], nxt[:, 1:])
                acc[:, :-2] = xp.where(skip[:, 2:], xp.logaddexp(acc[:, :-2], nxt[:, 2:]),
                                       acc[:, :-2])
                beta[t] = acc
            is_last = (self.frame_lengths - 1 == t)[:, None]
            beta[t] = xp.where(is_last, start, beta[t])
        live = xp.isfinite(self.log_p)
        safe_log_p = xp.where(live, self.log_p, 0.0)
        occupancy = xp.exp(alpha + beta - safe_log_p[None, :, None])  # (T, B, S)
        occupancy *= (xp.arange(frames)[:, None] < self.frame_lengths[None, :])[:, :, None]
        # occupancy of class c at frame t: Σ over the states carrying label c
        one_hot = (self.ext[:, :, None] == xp.arange(self.lp.shape[-1])).astype(alpha.dtype)
        occ = xp.einsum("tbs,bsc->btc", occupancy, one_hot)
        # dL/dlog p = −occupancy;  through log-softmax: dL/dz = p Σ_c occupancy − occupancy
        gz = xp.exp(self.lp) * occ.sum(axis=-1, keepdims=True) - occ
        gz = xp.where(live[:, None, None], gz, 0.0)  # no alignment: no gradient
        return gz * g[:, None, None]


def _lengths(op: str, name: str, value, batch: int, limit: int, what: str):
    arr = np.asarray(data(value))
    if arr.shape != (batch,) or arr.dtype.kind not in "iu" or (arr.size and (
            arr.min() < 0 or arr.max() > limit)):
        raise ArgumentError(f"{op}: {name} must hold {batch} ints in [0, {limit}] (one per "
                            f"sample), got {arr.tolist() if arr.size < 20 else arr.shape}. "
                            f"Hint: the {what} of each sample, at most {limit}.")
    return arr.astype(np.int64)


def ctc_loss(target, output, target_length, output_length, mask_index: int = 0) -> Tensor:
    """The CTC loss of each sample: ``output`` (B, T, C) logits, ``target`` (B, L) integer
    labels (the first ``target_length`` of each row count), ``output_length`` frames of each
    sample; ``mask_index`` is the blank class. Returns (B,) values; a target no alignment can
    produce (too long for its frames) gives +inf.

    >>> import numpy as np
    >>> ctc_loss(np.array([[1, 2]]), np.zeros((1, 4, 3)), np.array([2]), np.array([4])).shape
    (1,)
    """
    z = floating(output)
    if z.ndim != 3:
        raise ShapeError(f"ctc_loss: output must be 3-D (batch, frames, classes) logits, got "
                         f"shape {z.shape}. Hint: the model's last layer, before softmax.")
    batch, frames, classes = z.shape
    labels = np.asarray(data(target))
    if labels.ndim != 2 or labels.shape[0] != batch or labels.dtype.kind not in "iu":
        raise ShapeError(f"ctc_loss: target must be (batch={batch}, max_label_length) ints, got "
                         f"shape {labels.shape} and dtype {labels.dtype}. Hint: pad the label "
                         "sequences to one length.")
    blank = check_count("ctc_loss", "mask_index", mask_index)
    if blank >= classes:
        raise ArgumentError(f"ctc_loss: mask_index must be a class in [0, {classes}), got "
                            f"{blank}. Hint: the blank is usually class 0.")
    label_lengths = _lengths("ctc_loss", "target_length", target_length, batch,
                             labels.shape[1], "number of labels")
    frame_lengths = _lengths("ctc_loss", "output_length", output_length, batch, frames,
                             "number of frames")
    if frame_lengths.size and frame_lengths.min() < 1:
        raise ArgumentError("ctc_loss: output_length must be >= 1 for every sample, got "
                            f"{frame_lengths.tolist()}. Hint: drop empty samples.")
    valid = np.arange(labels.shape[1])[None, :] < label_lengths[:, None]
    if np.any(valid & ((labels < 0) | (labels >= classes) | (labels == blank))):
        raise ArgumentError(f"ctc_loss: the labels within target_length must be classes in "
                            f"[0, {classes}) other than mask_index={blank}. Hint: shift the "
                            "labels so that the blank is not one of them.")
    labels = np.where(valid, labels, blank).astype(np.int64)
    xp = get_array_module(z.data)
    return CTCLoss.apply(z, labels=xp.asarray(labels), blank=blank,
                         label_lengths=xp.asarray(label_lengths),
                         frame_lengths=xp.asarray(frame_lengths))


def _greedy(scores, lengths, merge_repeated: bool, blank: int):
    """Best class per frame, repeats merged, blanks (and frames past the length) dropped."""
    batch, frames, _ = scores.shape
    best = scores.argmax(axis=-1)
    past = np.arange(frames)[None, :] >= lengths[:, None]
    best = np.where(past, blank, best)
    total = -np.where(past, 0.0, scores.max(axis=-1)).sum(axis=1, keepdims=True)
    keep = best != blank
    if merge_repeated:
        keep[:, 1:] &= best[:, 1:] != best[:, :-1]
    paths = np.full((batch, frames), -1, dtype=np.int32)
    for i in range(batch):
        kept = best[i][keep[i]]
        paths[i, :kept.size] = kept
    return paths[None], total.astype(scores.dtype)


def _add_beam(beams: dict, prefix: tuple, blank_end: float, label_end: float) -> None:
    """Add the log probabilities of more alignments of ``prefix`` into ``beams``."""
    old = beams.setdefault(prefix, [-np.inf, -np.inf])
    old[0], old[1] = np.logaddexp(old[0], blank_end), np.logaddexp(old[1], label_end)


def _beam(log_p, length: int, beam_width: int, top_paths: int, blank: int):
    """Prefix beam search over one sample's (T, C) log probabilities: each prefix keeps the log
    probability of its alignments ending in a blank and ending in its last label."""
    neg = -np.inf
    beams = {(): (0.0, neg)}  # prefix -> (ends in blank, ends in its last label)
    for t in range(length):
        row = log_p[t]
        grown: dict[tuple, list[float]] = {}
        add = functools.partial(_add_beam, grown)
        for prefix, (pb, pl) in beams.items():
            total = np.logaddexp(pb, pl)
            add(prefix, total + row[blank], neg)  # a blank: the prefix stays
            last = prefix[-1] if prefix else None
            for c in range(row.size):
                if c == blank:
                    continue
                if c == last:
                    # a repeat merges unless a blank came between
                    add(prefix, neg, pl + row[c])
                    add(prefix + (c,), neg, pb + row[c])
                else:
                    add(prefix + (c,), neg, total + row[c])
        ranked = sorted(grown.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = {p: tuple(v) for p, v in ranked[:beam_width]}
    ranked = sorted(beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:top_paths]
    return [(p, float(np.logaddexp(*v))) for p, v in ranked]


def ctc_decode(inputs, sequence_lengths, strategy: str = "greedy", beam_width: int = 100,
               top_paths: int = 1, merge_repeated: bool = True, mask_index: int = 0):
    """Decode CTC logits (B, T, C) into label sequences, -1 padding each to T.

    'greedy' returns paths (1, B, T) and scores (B, 1), minus the sum of each frame's best
    logit; 'beam_search' (prefix beam search on the log-softmax) returns the ``top_paths``
    best (top_paths, B, T) and their log probabilities (B, top_paths).

    >>> import numpy as np
    >>> logits = np.log(np.array([[[.1, .6, .3], [.1, .6, .3], [.7, .2, .1], [.1, .2, .7]]]))
    >>> paths, scores = ctc_decode(logits, np.array([4]))
    >>> paths.data.tolist()
    [[[1, 2, -1, -1]]]
    """
    x = floating(inputs)
    if x.ndim != 3:
        raise ShapeError(f"ctc_decode: inputs must be 3-D (batch, frames, classes) logits, got "
                         f"shape {x.shape}. Hint: the model's output, before softmax.")
    batch, frames, classes = x.shape
    lengths = _lengths("ctc_decode", "sequence_lengths", sequence_lengths, batch, frames,
                       "number of frames")
    blank = check_count("ctc_decode", "mask_index", mask_index)
    if blank >= classes:
        raise ArgumentError(f"ctc_decode: mask_index must be a class in [0, {classes}), got "
                            f"{blank}. Hint: the blank is usually class 0.")
    scores = np.asarray(x.data)
    if strategy == "greedy":
        paths, total = _greedy(scores, lengths, bool(merge_repeated), blank)
        return Tensor(paths), Tensor(total)
    if strategy != "beam_search":
        raise ArgumentError(f"ctc_decode: strategy must be 'greedy' or 'beam_search', got "
                            f"{strategy!r}. Hint: 'greedy' is the fast one.")
    width = check_count("ctc_decode", "beam_width", beam_width, 1)
    top = check_count("ctc_decode", "top_paths", top_paths, 1)
    if top > width:
        raise ArgumentError(f"ctc_decode: top_paths ({top}) must be <= beam_width ({width}). "
                            "Hint: widen the beam.")
    log_p = _log_softmax(scores)
    paths = np.full((top, batch, frames), -1, dtype=np.int32)
    best = np.full((batch, top), -np.inf, dtype=scores.dtype)
    for i in range(batch):
        for k, (prefix, score) in enumerate(_beam(log_p[i], int(lengths[i]), width, top, blank)):
            paths[k, i, :len(prefix)] = prefix
            best[i, k] = score
    return Tensor(paths), Tensor(best)
