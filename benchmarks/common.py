"""Helpers shared by the framework runners (each runs in its own subprocess)."""

from __future__ import annotations

import resource
import statistics
import time


class Skip(Exception):
    """A framework cannot run a workload (a layer is missing, the model does not fit it)."""


def time_calls(fn, calls: int, warmup: int = 10) -> list[float]:
    """Seconds per call of ``fn()``, each call timed on its own, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def median_ms(times: list[float]) -> float:
    return 1000.0 * statistics.median(times)


def predict_result(one_sample: dict, batch: dict) -> dict:
    """{'rows': [...]} for the predict workloads: label -> list of seconds per call."""
    rows = []
    for label, times in one_sample.items():
        rows.append({"workload": "predict-1", "variant": label, "times_s": times})
    for label, times in batch.items():
        rows.append({"workload": "predict-10k", "variant": label, "times_s": times})
    return {"rows": rows}


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB: VmHWM of its own address space on Linux.

    Not ``ru_maxrss``: on Linux that also counts the parent's resident memory at fork time
    (the kernel carries the old address space's high-water mark across exec), so a child of a
    150 MB ``run.py`` could never report less than ~150 MB, however little it used.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
