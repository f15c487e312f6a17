"""The text of ``model.summary()``: one row per layer with output shape and parameter count.

>>> from shendu.models import Sequential
>>> from shendu.layers import Dense
>>> print(summary_text(Sequential([Dense(2, input_dim=3)], name="tiny")).splitlines()[0])
Model: "tiny"
"""

from __future__ import annotations


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def _bytes_text(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.2f} B"


def summary_text(model) -> str:
    """Rows of layer name (type), output shape and parameter count, then the totals."""
    rows = []
    shape = getattr(model, "_build_shape", None)
    for layer in model.layers:
        out = "?"
        if shape is not None:
            shape = tuple(layer.compute_output_shape(shape))
            out = _shape_text((None,) + shape[1:])
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        rows.append((f"{layer.name} ({type(layer).__name__})", out, params))
    head = ("Layer (type)", "Output Shape", "Param #")
    widths = [max([len(head[i])] + [len(r[i]) for r in rows]) + 2 for i in range(3)]
    widths[0] = max(widths[0], 33)
    widths[1] = max(widths[1], 24)
    widths[2] = max(widths[2], 15)

    def line(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def row(cells, sep="│"):
        text = [f" {cells[0]:<{widths[0] - 1}}", f" {cells[1]:<{widths[1] - 1}}",
                f"{cells[2]:>{widths[2] - 1}} "]
        return sep + sep.join(text) + sep

    lines = [f'Model: "{model.name}"', line("┏", "┳", "┓", "━"), row(head, "┃"),
             line("┡", "╇", "┩", "━")]
    for i, r in enumerate(rows):
        if i:
            lines.append(line("├", "┼", "┤", "─"))
        lines.append(row(r))
    lines.append(line("└", "┴", "┘", "─"))
    weights = model.weights if model.built else []
    trainable = {id(w) for w in model.trainable_weights} if model.built else set()
    total = sum(w.size for w in weights)
    n_train = sum(w.size for w in weights if id(w) in trainable)
    itemsize = weights[0].data.itemsize if weights else 4
    lines += [
        f" Total params: {total:,} ({_bytes_text(total * itemsize)})",
        f" Trainable params: {n_train:,} ({_bytes_text(n_train * itemsize)})",
        f" Non-trainable params: {total - n_train:,} ({_bytes_text((total - n_train) * itemsize)})",
    ]
    return "\n".join(lines)
