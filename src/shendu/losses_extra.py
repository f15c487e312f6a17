"""The newer loss classes: CTC, the generalized cross-entropy, the circle loss and the overlap
losses Dice and Tversky, on the functions of :mod:`shendu.loss_functions_extra`.
:mod:`shendu.losses` re-exports them and resolves their names (``compile(loss="dice")``).

>>> import numpy as np
>>> round(Dice()(np.array([1.0, 1.0]), np.array([1.0, 0.0])).item(), 6)
0.333333
"""

from __future__ import annotations

import numpy as np

from .autograd import Tensor
from .errors import ArgumentError
from .loss_functions_extra import categorical_generalized_cross_entropy, circle, ctc, dice, tversky
from .losses_base import Loss, reduce_loss
from .number_args import number_arg


class CTC(Loss):
    """Connectionist temporal classification: y_true (batch, max_length) integer labels padded
    with 0 (the blank), y_pred (batch, frames, classes) logits. See :func:`ctc`.

    >>> import numpy as np
    >>> round(CTC()(np.array([[1, 0]]), np.log(np.full((1, 2, 2), 0.5))).item(), 6)
    0.287682
    """

    fn = staticmethod(ctc)
    align_ranks = False
    target_kind = "any"  # fit leaves the targets' shape to the loss, which checks it

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(Loss):
    """(1 − p^q) / q of the probability p of the integer label, q in (0, 1).

    >>> import numpy as np
    >>> CategoricalGeneralizedCrossEntropy()(np.array([1]), np.array([[0.75, 0.25]])).item()
    1.0
    """

    fn = staticmethod(categorical_generalized_cross_entropy)
    align_ranks = False  # integer labels: one axis fewer than the probabilities
    target_kind = "any"

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        number_arg(q, type(self).__name__, "q", low=0.0, high=1.0, low_open=True,
                   high_open=True, hint="q=0.5; near 0 it acts like cross-entropy, near 1 like MAE")
        super().__init__(name=name, reduction=reduction, dtype=dtype, q=q)


class Circle(Loss):
    """Circle loss of L2-normalised embeddings and integer labels; the mean counts only the
    rows with a loss above 0 (those with both a positive and a negative pair).

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> round(Circle(gamma=1.0)(np.array([0, 0, 1]), e).item(), 4)
    0.5459
    """

    fn = staticmethod(circle)
    align_ranks = False  # labels (batch,) against embeddings (batch, dim)
    target_kind = "any"

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        owner = type(self).__name__
        number_arg(gamma, owner, "gamma", hint="gamma=80.0 scales the similarities")
        number_arg(margin, owner, "margin", hint="margin=0.4 is the relaxation")
        if not isinstance(remove_diagonal, (bool, np.bool_)):
            raise ArgumentError(f"{owner}: remove_diagonal must be True or False, got "
                                f"{remove_diagonal!r}. Hint: True drops self-pairs.")
        super().__init__(name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=bool(remove_diagonal))

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        values = self.call(y_true, y_pred)
        return reduce_loss(values, sample_weight, self.reduction, mask=values.data > 0)


class Dice(Loss):
    """1 − 2 Σ yŷ / (Σ y + Σ ŷ), the sums over ``axis`` (None: the whole batch at once).

    >>> import numpy as np
    >>> round(Dice(axis=-1)(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])).item(), 6)
    0.333333
    """

    fn = staticmethod(dice)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype, axis=_axes(axis, "Dice"))


class Tversky(Loss):
    """1 − I / (I + α Σ y(1 − ŷ) + β Σ ŷ(1 − y)), I = Σ yŷ over ``axis``; α = β = ½ is Dice.

    >>> import numpy as np
    >>> round(Tversky(0.3, 0.7)(np.array([1.0, 0.0]), np.array([1.0, 1.0])).item(), 6)
    0.411765
    """

    fn = staticmethod(tversky)

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        for arg, value in (("alpha", alpha), ("beta", beta)):
            number_arg(value, "Tversky", arg, hint="alpha=0.5, beta=0.5 gives the Dice loss")
        super().__init__(name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta,
                         axis=_axes(axis, "Tversky"))


def _axes(axis, owner: str):
    """None, an int or a tuple of ints (a list becomes a tuple, as a JSON config gives it)."""
    axes = list(axis) if isinstance(axis, (tuple, list)) else [axis]
    if axis is not None and not (axes and all(isinstance(a, (int, np.integer))
                                              and not isinstance(a, bool) for a in axes)):
        raise ArgumentError(f"{owner}: axis must be None, an int or a tuple of ints, got "
                            f"{axis!r}. Hint: axis=(1, 2, 3) scores each image of a batch.")
    return tuple(int(a) for a in axes) if isinstance(axis, (tuple, list)) else axis
