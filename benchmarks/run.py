"""shendu against PyTorch, Keras 3 (TensorFlow backend) and scikit-learn, side by side.

    pip install -r benchmarks/requirements.txt
    python benchmarks/run.py            # full run (several minutes on 2 cores)
    python benchmarks/run.py --quick    # about a minute or two
    python benchmarks/run.py --workloads seed,predict --frameworks shendu,torch

Every framework runs in its own subprocess, on the same .npy files (written once here, fixed
seed), with the same thread count (OMP/OPENBLAS/MKL variables plus each framework's own
setting) and the same batch-order policy (a fresh shuffle every epoch). Times are medians over
the epochs after one warm-up epoch. The table goes to stdout and to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from workloads import PREDICT_CALLS_FULL, PREDICT_CALLS_QUICK, TRAINING, write_data  # noqa: E402

FRAMEWORKS = ("shendu", "torch", "keras", "sklearn")
ALL_WORKLOADS = ("seed", "mnist-mlp", "predict", "startup", "mnist-cnn", "lstm-text")
IMPORTS = {
    "shendu": "import shendu; from shendu.models import Sequential; "
              "from shendu.layers import Dense",
    "torch": "import torch; from torch import nn",
    "keras": "import keras; from keras import layers",
    "sklearn": "from sklearn.neural_network import MLPClassifier",
}
DISTRIBUTIONS = {"shendu": ["shendu"], "torch": ["torch"], "keras": ["keras", "tensorflow-cpu"],
                 "sklearn": ["scikit-learn"]}
PEER_VERSIONS = ("numpy", "torch", "tensorflow-cpu", "tensorflow", "keras", "scikit-learn",
                 "threadpoolctl")


# -- subprocesses -------------------------------------------------------------------------------
def child_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                "TF_NUM_INTEROP_THREADS"):
        env[var] = str(threads)
    # every framework imports as installed, from its cached bytecode: pip wrote the peers'
    # .pyc files at install time, while an environment with PYTHONDONTWRITEBYTECODE=1 would
    # make shendu's (editable) source tree alone be compiled again at every import
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("KERAS_BACKEND", "tensorflow")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    return env


def run_job(job: dict, env: dict, timeout: float) -> dict:
    cmd = [sys.executable, os.path.join(HERE, "worker.py"), json.dumps(job)]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "error", "note": f"timed out after {timeout:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
            if result["status"] == "error":
                sys.stderr.write(proc.stderr[-3000:])
            return result
    sys.stderr.write(proc.stderr[-3000:])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"status": "error", "note": f"exit {proc.returncode}: {tail[:200]}"}


def import_times(framework: str, env: dict, runs: int) -> dict:
    """Median seconds that the framework's imports add on top of ``import numpy``."""
    code = (
        "import json, time\n"
        "t0 = time.perf_counter()\nimport numpy\nt1 = time.perf_counter()\n"
        f"{IMPORTS[framework]}\nt2 = time.perf_counter()\n"
        f"import sys; sys.path.insert(0, {HERE!r}); from common import peak_rss_mb\n"
        "print('BENCH_RESULT ' + json.dumps({'numpy': t1 - t0, 'extra': t2 - t1, "
        "'rss': peak_rss_mb()}))\n"
    )
    extra, numpy_s, rss = [], [], []
    subprocess.run([sys.executable, "-c", IMPORTS[framework]], env=env, capture_output=True,
                   timeout=300)  # untimed: writes any missing bytecode cache, warms the disk
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=300)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_RESULT ")]
        if not lines:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"status": "error", "note": tail[:200]}
        r = json.loads(lines[-1][len("BENCH_RESULT "):])
        extra.append(r["extra"])
        numpy_s.append(r["numpy"])
        rss.append(r["rss"])
    return {"status": "ok", "extra_s": statistics.median(extra),
            "numpy_s": statistics.median(numpy_s), "max_rss_mb": max(rss)}


# -- installed size -----------------------------------------------------------------------------
def _requirements(dist) -> list[str]:
    """Names of the runtime requirements of ``dist`` (extras and non-matching markers skipped)."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pragma: no cover - packaging ships with pip's environments
        Requirement = None
    names = []
    for spec in dist.requires or []:
        if Requirement is not None:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            names.append(req.name)
        elif "extra ==" not in spec:
            names.append(spec.split(";")[0].split("[")[0].split("<")[0].split(">")[0]
                         .split("=")[0].split("!")[0].split("~")[0].strip())
    return names


def _dist_size(dist) -> int:
    total = 0
    for f in dist.files or []:
        path = dist.locate_file(f)
        try:
            total += os.path.getsize(path)
        except OSError:
            pass
    if dist.metadata["Name"] == "shendu":  # editable: no package files listed; measure the tree
        import importlib.util

        spec = importlib.util.find_spec("shendu")
        if spec and spec.submodule_search_locations:
            for root in spec.submodule_search_locations:
                for dirpath, dirnames, filenames in os.walk(root):
                    dirnames[:] = [d for d in dirnames if d != "__pycache__"]
                    total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames)
    return total


def installed_size(names: list[str]) -> tuple[float, list[str]]:
    """MB on disk of the distributions ``names`` and everything they require, recursively."""
    from importlib import metadata

    seen: dict[str, int] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            seen[key] = 0
            continue
        seen[key] = _dist_size(dist)
        todo.extend(_requirements(dist))
    return sum(seen.values()) / 1e6, sorted(k for k, v in seen.items() if v)


def shendu_source() -> str:
    """Where shendu was imported from, and the git commit of the tree (plus 'dirty')."""
    import importlib.util

    spec = importlib.util.find_spec("shendu")
    where = os.path.dirname(spec.origin) if spec and spec.origin else "not installed"
    try:
        root = os.path.dirname(HERE)
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit = f"commit {head}" + (" + uncommitted changes in src/" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        commit = "no git"
    return f"{where} ({commit})"


# -- machine -------------------------------------------------------------------------------------
def machine_info(threads: list[int]) -> dict:
    from importlib import metadata

    import numpy as np

    info = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "python": platform.python_version(), "platform": platform.platform(),
            "cores": os.cpu_count(),
            "threads": " and ".join(map(str, threads)), "numpy": np.__version__}
    try:
        with open("/proc/cpuinfo") as f:
            models = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        info["cpu"] = models[0] if models else platform.processor()
    except OSError:
        info["cpu"] = platform.processor() or "unknown"
    try:
        info["loadavg"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["numpy_blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:
        info["numpy_blas"] = "unknown"
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = "; ".join(
            f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, "
            f"{p.get('num_threads')} threads)" for p in threadpool_info())
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    info["shendu"] = shendu_source()
    versions = []
    for name in PEER_VERSIONS:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    info["versions"] = ", ".join(versions)
    return info


# -- the run ---------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and calls (~1-2 min)")
    parser.add_argument("--threads", default=str(os.cpu_count() or 1),
                        help="threads for every framework (default: all cores); a list such as "
                             "'2,1' runs everything once per count, one table each")
    parser.add_argument("--workloads", default=",".join(ALL_WORKLOADS),
                        help=f"comma-separated subset of {','.join(ALL_WORKLOADS)}")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                        help=f"comma-separated subset of {','.join(FRAMEWORKS)}")
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"),
                        help="where to write the markdown report ('' for none)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per subprocess")
    args = parser.parse_args(argv)
    workloads = [w for w in args.workloads.split(",") if w]
    frameworks = [f for f in args.frameworks.split(",") if f]
    for w in workloads:
        if w not in ALL_WORKLOADS:
            parser.error(f"unknown workload {w!r}; choose from {', '.join(ALL_WORKLOADS)}")
    for f in frameworks:
        if f not in FRAMEWORKS:
            parser.error(f"unknown framework {f!r}; choose from {', '.join(FRAMEWORKS)}")

    thread_counts = [int(t) for t in str(args.threads).split(",") if t]
    machine = machine_info(thread_counts)
    runs = []
    with tempfile.TemporaryDirectory(prefix="shendu-bench-") as data_dir:
        write_data(data_dir)
        for i, threads in enumerate(thread_counts):
            args.threads = threads
            env = child_env(threads)
            rows: list[dict] = []
            started = time.perf_counter()
            for w in workloads:
                if w in TRAINING:
                    rows += run_training(w, frameworks, data_dir, env, args)
                elif w == "predict":
                    rows += run_predict(frameworks, data_dir, env, args)
                elif w == "startup" and i == 0:  # imports and sizes do not depend on threads
                    rows += run_startup(frameworks, env, args)
            elapsed = time.perf_counter() - started
            add_ratios(rows)
            table = format_table(rows)
            print(f"\n## {threads} thread(s)\n\n{table}")
            kind = "quick" if args.quick else "full"
            print(f"\n({elapsed:.0f} s, {threads} threads, {kind} run)")
            runs.append((threads, rows, table, elapsed))
    if args.output:
        with open(args.output, "w") as f:
            f.write(format_report(runs, machine, args))
        print(f"wrote {args.output}")
    return 0


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_training(name, frameworks, data_dir, env, args) -> list[dict]:
    workload = TRAINING[name]
    epochs = workload.epochs(args.quick)
    samples = workload.samples_quick if args.quick else None
    rows = []
    for fw in frameworks:
        _progress(f"[{name}] {fw} ...")
        job = {"framework": fw, "task": "train", "workload": name, "data_dir": data_dir,
               "epochs": epochs, "threads": args.threads, "samples": samples}
        r = run_job(job, env, args.timeout)
        row = {"workload": name, "framework": fw, "unit": "ms/epoch", "status": r["status"],
               "note": r.get("note", ""), "rss": r.get("max_rss_mb")}
        if r["status"] == "ok":
            measured = r["epoch_s"][1:] or r["epoch_s"]
            row.update(value=1000 * statistics.median(measured), loss=r["loss"],
                       accuracy=r["accuracy"],
                       note=f"warm-up {1000 * r['epoch_s'][0]:.0f} ms; {len(measured)} epochs"
                            + (f"; first {samples} samples" if samples else ""))
        rows.append(row)
    return rows


def run_predict(frameworks, data_dir, env, args) -> list[dict]:
    calls = PREDICT_CALLS_QUICK if args.quick else PREDICT_CALLS_FULL
    rows = []
    for fw in frameworks:
        if fw == "sklearn":
            continue
        _progress(f"[predict] {fw} ...")
        job = {"framework": fw, "task": "predict", "data_dir": data_dir, "calls": calls,
               "threads": args.threads}
        r = run_job(job, env, args.timeout)
        if r["status"] != "ok":
            rows.append({"workload": "predict-1", "framework": fw, "status": r["status"],
                         "unit": "ms/call", "note": r.get("note", ""), "rss": r.get("max_rss_mb")})
            continue
        for pr in r["rows"]:
            rows.append({"workload": pr["workload"], "framework": fw, "status": "ok",
                         "unit": "ms/call", "value": 1000 * statistics.median(pr["times_s"]),
                         "note": f"{pr['variant']}, {len(pr['times_s'])} calls",
                         "variant": pr["variant"], "rss": r.get("max_rss_mb")})
    return rows


def run_startup(frameworks, env, args) -> list[dict]:
    rows = []
    for fw in frameworks:
        _progress(f"[startup] {fw} ...")
        runs = (3 if fw == "shendu" else 1) if args.quick else 7
        r = import_times(fw, env, runs)
        row = {"workload": "import", "framework": fw, "unit": "s over numpy",
               "status": r["status"], "note": r.get("note", ""), "rss": r.get("max_rss_mb")}
        if r["status"] == "ok":
            row.update(value=r["extra_s"],
                       note=f"`{IMPORTS[fw]}`; numpy itself {r['numpy_s']:.3f} s; "
                            f"median of {runs}")
        rows.append(row)
    for fw in frameworks:
        size, dists = installed_size(DISTRIBUTIONS[fw])
        rows.append({"workload": "installed size", "framework": fw, "unit": "MB",
                     "status": "ok", "value": size,
                     "note": f"{len(dists)} distributions: {', '.join(dists[:12])}"
                             + (", ..." if len(dists) > 12 else "")})
    return rows


def add_ratios(rows) -> None:
    """ratio = peer / shendu for the same workload (and predict variant-agnostic)."""
    base = {}
    for r in rows:
        if r["framework"] == "shendu" and r.get("value") is not None:
            base.setdefault(r["workload"], r["value"])
    for r in rows:
        b = base.get(r["workload"])
        if r.get("value") is not None and b:
            r["ratio"] = r["value"] / b


def _fmt(value, spec) -> str:
    return "—" if value is None else format(value, spec)


def format_table(rows) -> str:
    head = ("| workload | framework | median | unit | × shendu's time | final loss | accuracy "
            "| peak RSS (MB) | note |")
    lines = [head, "|---|---|--:|---|--:|--:|--:|--:|---|"]
    for r in rows:
        if r["status"] != "ok":
            lines.append(f"| {r['workload']} | {r['framework']} | {r['status']} | {r['unit']} | — "
                         f"| — | — | {_fmt(r.get('rss'), '.0f')} | {r['note']} |")
            continue
        value = r["value"]
        spec = ".3f" if value < 1 else (".2f" if value < 100 else ".0f")
        lines.append(
            f"| {r['workload']} | {r['framework']} | {format(value, spec)} | {r['unit']} | "
            f"{_fmt(r.get('ratio'), '.2f')} | {_fmt(r.get('loss'), '.4f')} | "
            f"{_fmt(r.get('accuracy'), '.4f')} | {_fmt(r.get('rss'), '.0f')} | {r['note']} |")
    return "\n".join(lines)


TARGETS = [  # (workload, peer, peer-variant or None, minimum ratio peer/shendu, text)
    ("seed", "torch", None, 5.0, "seed: ≥ 5× faster per epoch than PyTorch"),
    ("seed", "keras", None, 10.0, "seed: ≥ 10× faster than Keras fit"),
    ("seed", "sklearn", None, 2.5, "seed: ≥ 2.5× faster than scikit-learn"),
    ("mnist-mlp", "torch", None, 1.5, "mnist-mlp: ≥ 1.5× faster than PyTorch"),
    ("predict-1", "torch", None, 2.0, "predict of one sample: ≥ 2× faster than PyTorch no_grad"),
    ("mnist-cnn", "torch", None, 1.0, "mnist-cnn: time per epoch ≤ PyTorch's"),
    ("mnist-cnn", "keras", None, 1.25, "mnist-cnn: time per epoch ≤ 0.8× Keras's"),
    ("lstm-text", "torch", None, 1.0, "lstm-text: time per epoch ≤ PyTorch's (issue 6)"),
]


def check_targets(rows) -> list[str]:
    def find(workload, fw):
        return next((r for r in rows if r["workload"] == workload and r["framework"] == fw
                     and r.get("value") is not None), None)

    out = []
    present = {r["workload"] for r in rows}
    for workload, peer, _, minimum, text in TARGETS:
        if workload not in present:
            continue
        r = find(workload, peer)
        if r is None or r.get("ratio") is None:
            out.append(f"- {text}: not measured")
            continue
        mark = "met" if r["ratio"] >= minimum else "**missed**"
        out.append(f"- {text}: {r['ratio']:.2f}× → {mark}")
    imp = find("import", "shendu")
    if imp:
        mark = "met" if imp["value"] <= 0.15 else "**missed**"
        out.append(f"- import adds ≤ 0.15 s to numpy's: {imp['value']:.3f} s → {mark}")
    size = find("installed size", "shendu")
    if size:
        mark = "met" if size["value"] <= 80 else "**missed**"
        out.append(f"- installed footprint ≤ 80 MB: {size['value']:.1f} MB → {mark}")
    for workload, ratio, text in (("seed", 3.0, "seed: peak RSS ≤ 1/3 of PyTorch's"),
                                  ("mnist-cnn", 1.0, "mnist-cnn: peak RSS ≤ PyTorch's")):
        s, t = find(workload, "shendu"), find(workload, "torch")
        if s and t and s.get("rss") and t.get("rss"):
            mark = "met" if t["rss"] / s["rss"] >= ratio else "**missed**"
            out.append(f"- {text}: {s['rss']:.0f} MB vs {t['rss']:.0f} MB → {mark}")
    return out


def format_report(runs, machine, args) -> str:
    m = machine
    quick = " --quick" if args.quick else ""
    tables = []
    for threads, rows, table, elapsed in runs:
        if not rows:
            continue
        tables.append(f"""## {threads} thread(s) per framework ({elapsed:.0f} s)

{table}

Targets (issues 4 and 5), from this table:

{chr(10).join(check_targets(rows))}
""")
    return f"""# Benchmark results

Written by `python benchmarks/run.py{quick} --threads {m['threads'].replace(' and ', ',')}`
({'quick' if args.quick else 'full'} run). How to run it and how to read it, and where shendu's
time goes: `benchmarks/README.md`.

## Machine

- date: {m['date']}
- CPU: {m['cpu']}, {m['cores']} cores visible; every framework ran with {m['threads']} threads
- load average at start: {m.get('loadavg', 'n/a')} (a shared machine: other processes compete)
- Python {m['python']} on {m['platform']}
- numpy {m['numpy']}, BLAS {m['numpy_blas']}; thread pools: {m['threadpools']}
- OPENBLAS_CORETYPE: {m['OPENBLAS_CORETYPE']} (left as the environment sets it)
- shendu from {m['shendu']}
- {m['versions']}

Training rows: median milliseconds per epoch over the epochs after one warm-up epoch; final
loss is the framework's own mean training loss over the last epoch, accuracy is measured on the
whole training set after training. "× shendu's time" is peer time / shendu time (above 1:
shendu is faster). Peak RSS is the high-water mark (VmHWM) of the framework's own subprocess.

{chr(10).join(tables)}"""

if __name__ == "__main__":
    raise SystemExit(main())
