"""Scratch arrays kept from one call of an op for the next: no fresh pages every batch.

A training step allocates the same large temporaries every batch (a recurrent op's gates of
every step, an embedding gradient's scatter index). Fresh ones come from the OS as new pages,
mapped and zeroed each time, which can cost as much as the arithmetic on them. Ops take such
temporaries from :data:`scratch` and give them back when done with them; an array an op
returns to its caller never comes from here.
"""

from __future__ import annotations

import contextlib

from ..backend import get_array_module


class ScratchPool:
    """Free arrays by (array module, shape, dtype); at most ``limit_bytes`` are kept.

    An op takes its scratch arrays here and gives them back when it is done with them (a
    recurrent op when its backward is done, or at the end of a forward that needs none).

    >>> import numpy as np
    >>> pool = ScratchPool()
    >>> a = pool.take(np, (3, 4), np.float32)
    >>> pool.give(a)
    >>> pool.take(np, (3, 4), np.float32) is a
    True
    """

    def __init__(self, limit_bytes: int = 128 << 20):
        self.limit_bytes = limit_bytes
        self.free: dict = {}
        self.held = 0

    def take(self, xp, shape, dtype):
        """An uninitialised array of this shape and dtype (kept or new)."""
        dtype = xp.dtype(dtype)
        stack = self.free.get((xp.__name__, tuple(shape), dtype.str))
        try:
            a = stack.pop() if stack else None
        except IndexError:  # another thread took the last one
            a = None
        if a is None:
            return xp.empty(shape, dtype)
        self.held -= a.nbytes
        return a

    def give(self, *arrays):
        """Keep these arrays (each owning its memory, referenced nowhere else) for reuse."""
        for a in arrays:
            if a is None or a.base is not None or self.held + a.nbytes > self.limit_bytes:
                continue
            key = (get_array_module(a).__name__, a.shape, a.dtype.str)
            self.free.setdefault(key, []).append(a)
            self.held += a.nbytes


scratch = ScratchPool()


# ufunc buffer size (elements) for in-place adds into strided views (see small_ufunc_buffers)
SMALL_UFUNC_BUFFER = 256


@contextlib.contextmanager
def small_ufunc_buffers(xp):
    """NumPy's ufunc buffer size set to :data:`SMALL_UFUNC_BUFFER` elements inside, restored
    after (NumPy keeps it per context, so other threads are not touched).

    An in-place add into a strided view whose rows are a few hundred contiguous floats (col2im's
    ``gpad[:, rows, cols] += block``) runs about 1.8 times faster with small buffers than with
    NumPy's default of 8,192 elements: measured on 205k float32, rows of 320, 2 cores of an Intel
    Xeon, 76 -> 36-41 us (``benchmarks/README.md``). It is no general setting: the pooling's
    passes, whose rows are 64 floats, and casts get slower. Other array modules: no change.

    >>> import numpy as np
    >>> before = np.getbufsize()
    >>> with small_ufunc_buffers(np):
    ...     np.getbufsize()
    256
    >>> np.getbufsize() == before
    True
    """
    setbufsize = getattr(xp, "setbufsize", None) if xp.__name__ == "numpy" else None
    if setbufsize is None:
        yield
        return
    old = setbufsize(SMALL_UFUNC_BUFFER)
    try:
        yield
    finally:
        setbufsize(old)
