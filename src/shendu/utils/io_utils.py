"""Where progress output goes, as Keras's ``keras.config``/``keras.utils`` interactive logging.

With interactive logging on (the default), fit's progress bar and the one-line summaries of
``fit``, ``evaluate`` and ``predict`` are written to stdout. Turned off, the same text goes,
line by line, to Python's :mod:`logging` as INFO records of the logger named ``"shendu"``
(Keras sends it to absl's logger; shendu has no absl), and no live bar is drawn, so jobs that
collect logs get one record per line instead of carriage returns.

The switch covers the progress that fit adds itself and the evaluate/predict summary lines; a
:class:`~shendu.callbacks.ProgbarLogger` or :class:`~shendu.utils.Progbar` made by hand writes
where its own ``stream`` says.

>>> import logging
>>> disable_interactive_logging()
>>> is_interactive_logging_enabled()
False
>>> records = []
>>> handler = logging.Handler(); handler.emit = records.append
>>> logging.getLogger("shendu").addHandler(handler)
>>> logging.getLogger("shendu").setLevel(logging.INFO)
>>> print_msg("1/1 - 0s - loss: 0.5")
>>> records[0].getMessage()
'1/1 - 0s - loss: 0.5'
>>> logging.getLogger("shendu").removeHandler(handler)
>>> logging.getLogger("shendu").setLevel(logging.NOTSET)
>>> enable_interactive_logging()
"""

from __future__ import annotations

import logging
import sys

_INTERACTIVE = True
LOGGER_NAME = "shendu"


def enable_interactive_logging() -> None:
    """Send progress output to stdout, with a live bar on a terminal (the default).

    >>> enable_interactive_logging(); is_interactive_logging_enabled()
    True
    """
    global _INTERACTIVE
    _INTERACTIVE = True


def disable_interactive_logging() -> None:
    """Send progress output to the ``"shendu"`` logger (INFO records), one record a line.

    >>> disable_interactive_logging(); is_interactive_logging_enabled()
    False
    >>> enable_interactive_logging()
    """
    global _INTERACTIVE
    _INTERACTIVE = False


def is_interactive_logging_enabled() -> bool:
    """True when progress output goes to stdout, False when it goes to :mod:`logging`.

    >>> is_interactive_logging_enabled()
    True
    """
    return _INTERACTIVE


class LogStream:
    """A file-like object that turns each complete line written to it into one INFO record of
    the ``"shendu"`` logger; it is never a terminal, so no live bar is drawn on it.

    >>> stream = LogStream()
    >>> stream.isatty()
    False
    >>> stream.write("Epoch 1/2\\n")
    10
    """

    def __init__(self) -> None:
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        logger = logging.getLogger(LOGGER_NAME)
        for line in lines:
            if line.strip():
                logger.info(line.rstrip("\r"))
        return len(text)

    def flush(self) -> None:
        if self._pending.strip():
            logging.getLogger(LOGGER_NAME).info(self._pending.rstrip("\r"))
        self._pending = ""

    def isatty(self) -> bool:
        return False


def progress_stream():
    """The stream progress output should be written to now: None (meaning stdout, looked up
    when written, so redirections still apply) with interactive logging on, else a
    :class:`LogStream`.

    >>> progress_stream() is None
    True
    """
    return None if _INTERACTIVE else LogStream()


def print_msg(message: str) -> None:
    """Write one line of progress: to stdout, or as an INFO record when interactive logging is
    off (Keras's ``io_utils.print_msg``).

    >>> print_msg("3/3 - 0s")
    3/3 - 0s
    """
    if _INTERACTIVE:
        print(message, file=sys.stdout, flush=True)
    else:
        logging.getLogger(LOGGER_NAME).info(message)


__all__ = ["LogStream", "disable_interactive_logging", "enable_interactive_logging",
           "is_interactive_logging_enabled", "print_msg", "progress_stream"]
