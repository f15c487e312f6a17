"""Model files: one ``.safetensors`` file that holds weights, optimizer state and config.

The file is plain data: tensors, and string metadata holding the architecture and compile
configuration as JSON. Loading checks the header before anything else, rebuilds classes only
from shendu's own tables or the user's registry (``register_serializable``), never imports
a module or calls anything the file names, and checks every tensor's dtype and shape against
the rebuilt model. Files are written atomically: temp file, fsync, rename.

>>> import os, tempfile
>>> import numpy as np
>>> from shendu.models import Sequential, load_model
>>> from shendu.layers import Dense
>>> model = Sequential([Dense(2, input_dim=3)])
>>> model.compile(optimizer="adam", loss="mse")
>>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
>>> model.save(path)
>>> restored = load_model(path)
>>> bool(np.array_equal(restored.predict(np.ones((1, 3)), verbose=0),
...                     model.predict(np.ones((1, 3)), verbose=0)))
True
"""

from __future__ import annotations

import json
import os
import struct
import tempfile

import numpy as np

from ..errors import ArgumentError, FileFormatError, ShenduError

FORMAT = "shendu.model"
FORMAT_VERSION = "1"
MAX_HEADER_BYTES = 64 << 20  # 64 MiB of JSON is far beyond any real model's header
MAX_JSON_DEPTH = 64
_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I64": np.int64,
           "I32": np.int32, "U8": np.uint8, "I8": np.int8, "BOOL": np.bool_}


# -- writing -------------------------------------------------------------------------------
def checked_path(path, what: str, example: str = "model.safetensors") -> str:
    """``path`` as a str, or an ArgumentError when it is not a path at all."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentError(
            f"{what}: expected a file path (str or os.PathLike), got {type(path).__name__} "
            f"({path!r}). Hint: e.g. '{example}'."
        )
    return os.fspath(path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    path = checked_path(path, "save")
    if os.path.isdir(path):
        raise ArgumentError(
            f"save: '{path}' is a folder; shendu writes a model to one file. Hint: "
            f"save(os.path.join('{path}', 'model.safetensors'))."
        )
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:  # pragma: no cover - some filesystems refuse directory fsync
        pass


def _weights_tensors(model) -> tuple[dict[str, np.ndarray], list[str]]:
    tensors, paths = {}, []
    for i, w in enumerate(model.weights):
        key = f"weights/{i:05d}"
        tensors[key] = np.ascontiguousarray(w.numpy()).reshape(w.shape)  # 0-d stays 0-d
        paths.append(w.path)
    return tensors, paths


def _optimizer_tensors(model) -> dict[str, np.ndarray]:
    opt = model.optimizer
    if opt is None or model._flat is None or opt._flat is not model._flat:
        return {}
    out = {}
    for name, value in opt.variables.items():
        out[f"optimizer/{name}"] = np.array(value, order="C")  # keeps 0-d shapes
    return out


def model_to_bytes(model, include_optimizer: bool = True, weights_only: bool = False) -> bytes:
    """The bytes of a model file (see :func:`save_model`)."""
    from safetensors.numpy import save

    if not model.built:
        from ..errors import NotBuiltError

        raise NotBuiltError(
            f"save: model '{model.name}' is not built, so it has no weights to save. "
            "Hint: give the first layer input_shape=, or fit/build the model first."
        )
    tensors, paths = _weights_tensors(model)
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "weight_paths": json.dumps(paths)}
    from .. import __version__

    metadata["shendu_version"] = __version__
    if not weights_only:
        from .serialization import compile_config, model_config

        metadata["config"] = json.dumps(model_config(model))
        if model.compiled:
            metadata["compile_config"] = json.dumps(compile_config(model))
        if include_optimizer:
            tensors.update(_optimizer_tensors(model))
    return save(tensors, metadata=metadata)


def save_model(model, path, include_optimizer: bool = True) -> None:
    """Write ``model`` (architecture, weights, optimizer state) to one .safetensors file."""
    checked_path(path, "save")  # before the model is serialized
    atomic_write_bytes(path, model_to_bytes(model, include_optimizer))


def save_weights(model, path) -> None:
    """Write only the weights (and their paths) to a .safetensors file."""
    checked_path(path, "save_weights")
    atomic_write_bytes(path, model_to_bytes(model, weights_only=True))


# -- reading -------------------------------------------------------------------------------
def _fail(path, what: str, hint: str = "") -> FileFormatError:
    tail = f" Hint: {hint}" if hint else ""
    end = "" if what.endswith(".") else "."
    return FileFormatError(f"Model file '{path}': {what}{end}{tail}")


def _json_depth_ok(text: str) -> bool:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def parse_json(path, text: str, what: str):
    """json.loads with a depth limit, so a hostile file cannot exhaust the stack."""
    if not _json_depth_ok(text):
        raise _fail(path, f"the {what} is nested deeper than {MAX_JSON_DEPTH} levels",
                    "this file was not written by shendu")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise _fail(path, f"the {what} is not valid JSON ({err.__class__.__name__})",
                    "the file is corrupt or was not written by shendu") from None


def read_file(path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read and validate a safetensors file: (tensors, metadata). Raises FileFormatError."""
    path = checked_path(path, "load")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise FileFormatError(
            f"Model file '{path}' does not exist. Hint: check the path and the working folder."
        ) from None
    except IsADirectoryError:
        raise FileFormatError(
            f"Model file '{path}' is a folder, not a file. Hint: pass the .safetensors file "
            "inside it."
        ) from None
    if len(data) == 0:
        raise _fail(path, "the file is empty", "it may be an interrupted copy; save it again")
    if len(data) < 8:
        raise _fail(path, f"the file has {len(data)} bytes, too short for a header",
                    "it is truncated or not a .safetensors file")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > MAX_HEADER_BYTES or header_len > len(data) - 8:
        raise _fail(
            path, f"its header claims {header_len:,} bytes but the file has {len(data):,}",
            "this is not a shendu/safetensors file (a pickle or a truncated file?)",
        )
    try:
        header_text = data[8:8 + header_len].decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(path, "the header is not UTF-8 text", "not a safetensors file") from None
    header = parse_json(path, header_text, "header")
    if not isinstance(header, dict):
        raise _fail(path, "the header is not a JSON object", "this is not a safetensors file")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _fail(path, "the metadata is not a table of strings",
                    "this file was not written by shendu")
    for name, info in header.items():
        # the dtype is checked here for a clear message; the library decodes the tensors
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise _fail(path, f"tensor '{name}' has no dtype/shape/data_offsets",
                        "the file is corrupt or was not written by shendu")
        if info["dtype"] not in _DTYPES:
            raise _fail(path, f"tensor '{name}' has unsupported dtype {info['dtype']!r}",
                        f"shendu reads {', '.join(_DTYPES)}")
    return _decode(path, data), metadata


def _decode(path, data) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file's bytes, decoded by the safetensors library, which
    checks every shape and offset against the file's length (truncated, overlapping or
    impossible tensors are refused)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        tensors = load(data)
    except (SafetensorError, ValueError, TypeError, OverflowError) as err:
        raise _fail(path, f"its tensors cannot be decoded ({str(err).rstrip('.')})",
                    "the file is truncated, corrupt or was not written by shendu") from None
    return {name: np.array(value) for name, value in tensors.items()}  # own, writable arrays


def _check_format(path, metadata) -> None:
    if metadata.get("format") != FORMAT:
        raise _fail(path, "it was not written by shendu (no 'shendu.model' format tag)",
                    "load other .safetensors files with safetensors.numpy.load_file")


def _assign_weights(path, model, tensors, metadata) -> None:
    weights = model.weights
    keys = sorted(k for k in tensors if k.startswith("weights/"))
    if len(keys) != len(weights):
        raise _fail(path, f"it holds {len(keys)} weight tensors but the model has {len(weights)}",
                    "the file belongs to a different architecture")
    stored_paths = parse_json(path, metadata.get("weight_paths", "[]"), "weight list")
    if not isinstance(stored_paths, list) or not all(isinstance(p, str) for p in stored_paths):
        raise _fail(path, "its weight list is not a list of names",
                    "the file is corrupt or was edited by hand")
    order = _file_order(weights, stored_paths)
    if order is not None:  # the same weights, listed in another order
        keys, stored_paths = [keys[i] for i in order], [stored_paths[i] for i in order]
    for i, (key, var) in enumerate(zip(keys, weights)):
        value = tensors[key]
        where = stored_paths[i] if i < len(stored_paths) else key
        if value.shape != tuple(var.shape):
            raise _fail(path, f"weight '{where}' has shape {value.shape}, the model expects "
                              f"{tuple(var.shape)}", "the file belongs to a different architecture")
        if value.dtype.kind != "f":
            raise _fail(path, f"weight '{where}' has dtype {value.dtype}, expected a float type",
                        "the file is corrupt or was edited by hand")
    for key, var in zip(keys, weights):
        var.assign(tensors[key].astype(var.dtype, copy=False))


def _file_order(weights, stored_paths) -> list[int] | None:
    """For each weight of the model, the position of its tensor in the file, when the file names
    every weight once but lists them in another order; else None (the file's order holds).

    Files written before functional models listed their layers in Keras's order (by depth)
    hold the weights of branching graphs in the order the layers were first called.
    """
    paths = [w.path for w in weights]
    if paths == stored_paths or len(set(paths)) != len(paths) or sorted(paths) != sorted(
            stored_paths):
        return None
    where = {p: i for i, p in enumerate(stored_paths)}
    return [where[p] for p in paths]


def _slots_in_model_order(model, state, stored_paths):
    """Optimizer slots over the flat buffer, their segments moved from the file's order of the
    trainable weights to the model's (see :func:`_file_order`)."""
    flat = model._flat
    paths = [v.path for v in flat.variables]
    filed = [p for p in stored_paths if p in set(paths)]
    if filed == paths or sorted(filed) != sorted(paths):
        return state
    start, old = 0, {}
    sizes = {v.path: int(np.prod(v.shape)) for v in flat.variables}
    for p in filed:
        old[p] = start
        start += sizes[p]
    moved = {}
    for name, value in state.items():
        if np.shape(value) != (flat.size,):
            moved[name] = value
            continue
        moved[name] = np.empty_like(value)
        for p, begin in zip(paths, flat.offsets):
            moved[name][begin:begin + sizes[p]] = value[old[p]:old[p] + sizes[p]]
    return moved


def load_model(path, custom_objects: dict | None = None, compile: bool = True):
    """Rebuild a model saved with ``model.save(path)``: architecture, weights, optimizer."""
    from .serialization import compile_from_config, model_from_config

    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise ArgumentError(
            f"load_model: custom_objects must be a dict {{name: class or function}}, got "
            f"{type(custom_objects).__name__}. Hint: custom_objects={{'MyLayer': MyLayer}}."
        )
    tensors, metadata = read_file(path)
    _check_format(path, metadata)
    if "config" not in metadata:
        raise _fail(path, "it holds weights only (save_weights)",
                    "build the model in code, then call model.load_weights(path)")
    config = parse_json(path, metadata["config"], "model configuration")
    from ..layers.weight_budget import weight_budget

    # a genuine file holds every weight its architecture creates; allow slack for layers that
    # make and drop weights while they build, but never more than the file could justify
    held = sum(t.size for k, t in tensors.items() if k.startswith("weights/"))
    try:
        with weight_budget(2 * held + (1 << 20), "the file"):
            model = model_from_config(config, custom_objects)
    except ShenduError as err:
        raise _fail(path, f"its architecture cannot be rebuilt: {err}") from None
    except (TypeError, KeyError, ValueError, AttributeError, IndexError) as err:
        raise _fail(path, f"its architecture is malformed ({err.__class__.__name__}: {err})",
                    "the file is corrupt or was edited by hand") from None
    except MemoryError:
        raise _fail(path, "its architecture needs more memory than this machine has",
                    "the file is corrupt or was edited by hand") from None
    if not model.built:
        raise _fail(path, "its architecture has no input shape, so weights cannot be placed")
    _assign_weights(path, model, tensors, metadata)
    if compile and "compile_config" in metadata:
        compile_config = parse_json(path, metadata["compile_config"], "compile configuration")
        if not isinstance(compile_config, dict):
            raise _fail(path, "its compile configuration is not a JSON object",
                        "pass compile=False to load the model without it")
        try:
            compile_from_config(model, compile_config, custom_objects)
        except ShenduError as err:
            raise _fail(path, f"its compile configuration cannot be restored: {err}",
                        "pass compile=False to load the model without it") from None
        except (TypeError, KeyError, ValueError, AttributeError, IndexError) as err:
            raise _fail(path, f"its compile configuration is malformed "
                              f"({err.__class__.__name__}: {err})",
                        "pass compile=False to load the model without it") from None
        _restore_optimizer(path, model, tensors, metadata)
    return model


def _restore_optimizer(path, model, tensors, metadata) -> None:
    state = {k.split("/", 1)[1]: v for k, v in tensors.items() if k.startswith("optimizer/")}
    if not state:
        return
    flat = model._ensure_flat()
    opt = model.optimizer
    opt.ensure_built(flat)
    expected = opt.variables
    if set(state) != set(expected):
        raise _fail(path, f"its optimizer state has slots {sorted(state)}, the optimizer "
                          f"expects {sorted(expected)}", "load with compile=False")
    for name, value in state.items():
        target = expected[name]
        if np.shape(value) != np.shape(target):
            raise _fail(path, f"optimizer slot '{name}' has shape {np.shape(value)}, expected "
                              f"{np.shape(target)}", "load with compile=False")
        if value.dtype.kind not in "fiu":
            raise _fail(path, f"optimizer slot '{name}' has dtype {value.dtype}, expected "
                              "numbers", "load with compile=False")
    stored_paths = parse_json(path, metadata.get("weight_paths", "[]"), "weight list")
    state = _slots_in_model_order(model, state, stored_paths)
    step = state.get("iterations")
    if step is not None and not (np.isfinite(step) and step >= 0 and step == np.round(step)):
        raise _fail(path, f"its optimizer step count is {step}, expected a whole number >= 0",
                    "load with compile=False")
    opt.set_state(state)


def load_weights(model, path) -> None:
    """Load weights saved by ``save_weights`` or ``save`` into an already built model."""
    tensors, metadata = read_file(path)
    _check_format(path, metadata)
    if not model.built:
        from ..errors import NotBuiltError

        raise NotBuiltError(
            f"load_weights: model '{model.name}' is not built. Hint: build it with the same input "
            "shape it was saved with (input_shape= on the first layer, or model.build)."
        )
    _assign_weights(path, model, tensors, metadata)
