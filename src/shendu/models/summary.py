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


def _trainable_text(layer) -> str:
    if not layer.built or not layer.weights:
        return "-"
    return "Y" if layer.trainable_weights else "N"


def _rows(model):
    """(layer (type), output shape, params[, connected to]) for each layer."""
    nodes = getattr(model, "_nodes", None)
    rows = []
    if nodes is not None:  # a functional graph: shapes from the nodes, plus their inputs
        for node in nodes:
            layer = node.layer
            shapes = [_shape_text(t.shape) for t in node.outputs]
            params = f"{layer.count_params():,}" if layer.built else "0"
            parents = ", ".join(f"{p.node.layer.name}[{p.node.index_in_layer}][{p.index}]"
                                for p in node.parents) or "-"
            rows.append((f"{layer.name} ({type(layer).__name__})", ", ".join(shapes), params,
                         parents))
        return rows
    shape = getattr(model, "_build_shape", None)
    for layer in model.layers:
        out = "?"
        if shape is not None:
            shape = tuple(layer.compute_output_shape(shape))
            out = _shape_text((None,) + shape[1:])
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        rows.append((f"{layer.name} ({type(layer).__name__})", out, params))
    return rows


def summary_text(model, show_trainable: bool = False) -> str:
    """Rows of layer name (type), output shape and parameter count, then the totals;
    ``show_trainable`` adds Keras's last column, "Trainable" (Y, N or - for no weights)."""
    rows = _rows(model)
    head = ("Layer (type)", "Output Shape", "Param #", "Connected to")[:len(rows[0]) if rows
                                                                       else 3]
    least = [33, 24, 15, 20][:len(head)]
    if show_trainable:
        layers = [node.layer for node in model._nodes] if getattr(
            model, "_nodes", None) is not None else list(model.layers)
        rows = [r + (_trainable_text(layer),) for r, layer in zip(rows, layers)]
        head, least = head + ("Trainable",), least + [11]
    widths = [max([len(head[i])] + [len(r[i]) for r in rows]) + 2 for i in range(len(head))]
    for i, width in enumerate(least):
        widths[i] = max(widths[i], width)

    def line(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def row(cells, sep="│"):
        text = [f" {cell:<{w - 1}}" if i != 2 else f"{cell:>{w - 1}} "
                for i, (cell, w) in enumerate(zip(cells, widths))]
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
