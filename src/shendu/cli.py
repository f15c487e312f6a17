"""The ``shendu`` command: train, evaluate, predict, summary and plot, without writing Python.

    shendu train                                   # digits shipped with shendu
    shendu train --x data/X_train.npy --y data/y_train.npy --layers 64:relu,32:relu,1:sigmoid
    shendu evaluate model.safetensors --x X.npy --y y.npy --confusion cm.png
    shendu predict model.safetensors --x X.npy --out preds.npy --proba
    shendu summary model.safetensors
    shendu plot history.csv -o curves.png

Mistakes (missing files, mismatched x and y, bad specs, unknown names) print one line on
stderr and exit with code 2.

>>> build_parser().parse_args(["train", "--epochs", "3"]).epochs
3
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys

import numpy as np

from .cli_data import CommandError, flatten_features, infer_task, load_array, parse_layers
from .errors import ShenduError

EXAMPLES = {
    "train": "examples:\n  shendu train\n  shendu train --x data/X_train.npy --y data/y_train.npy "
             "--layers 64:relu,32:relu,1:sigmoid --epochs 10 --out model.safetensors",
    "evaluate": "example:\n  shendu evaluate model.safetensors --x data/X_test.npy "
                "--y data/y_test.npy --confusion cm.png",
    "predict": "example:\n  shendu predict model.safetensors --x data/X_test.npy --out preds.npy",
    "summary": "example:\n  shendu summary model.safetensors",
    "plot": "example:\n  shendu plot history.csv -o curves.png",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shendu", description="Train and use shendu models.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, help_text):
        return sub.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    train = add("train", "Train a dense network (default: on the digits shipped with shendu).")
    train.add_argument("--x", help="features: .npy (memory-mapped), .npz or .csv")
    train.add_argument("--y", help="targets: .npy, .npz or .csv")
    train.add_argument("--x-key", help="array name inside a .npz for x")
    train.add_argument("--y-key", help="array name inside a .npz for y")
    group = train.add_mutually_exclusive_group()
    group.add_argument("--layers", help="UNITS:ACTIVATION,... e.g. 64:relu,32:relu,1:sigmoid")
    group.add_argument("--model", help="architecture JSON as written by model.to_json()")
    train.add_argument("--loss", help="loss name (default: inferred from y)")
    train.add_argument("--optimizer", default="adam")
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--validation-split", type=float, default=None)
    train.add_argument("--metrics", default=None, help="comma-separated, e.g. accuracy,auc")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="model.safetensors", help="model file to write")
    train.add_argument("--plot", default="curves.png", help="PNG of the training curves "
                       "('' to skip)")
    train.add_argument("--history", default="history.csv", help="CSV of per-epoch logs")
    train.add_argument("--early-stopping", type=int, metavar="PATIENCE")
    train.add_argument("--verbose", type=int, default=None, choices=(0, 1, 2))

    evaluate = add("evaluate", "Loss and metrics of a saved model on (x, y).")
    evaluate.add_argument("model")
    evaluate.add_argument("--x", required=True)
    evaluate.add_argument("--y", required=True)
    evaluate.add_argument("--confusion", help="write a confusion-matrix PNG (classifiers)")

    predict = add("predict", "Predictions of a saved model for x, written to a .npy file.")
    predict.add_argument("model")
    predict.add_argument("--x", required=True)
    predict.add_argument("--out", required=True)
    predict.add_argument("--proba", action="store_true", help="probabilities, not class labels")

    summary = add("summary", "Print a saved model's layers and parameter counts.")
    summary.add_argument("model")

    plot = add("plot", "Draw training curves from a history CSV.")
    plot.add_argument("history")
    plot.add_argument("-o", "--out", default="curves.png")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    command = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict,
               "summary": cmd_summary, "plot": cmd_plot}[args.command]
    try:
        command(args)
    except (CommandError, ShenduError) as err:
        print(f"shendu {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"shendu {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


# -- train ---------------------------------------------------------------------------------------
def _training_data(args):
    if (args.x is None) != (args.y is None):
        raise CommandError("give both --x and --y, or neither (to train on the shipped digits).")
    if args.x is None:
        from .datasets import digits

        (x, y), (x_test, y_test) = digits.load_data()
        x = x.reshape(len(x), -1).astype("float32") / 16.0
        x_test = x_test.reshape(len(x_test), -1).astype("float32") / 16.0
        print(f"data: UCI handwritten digits shipped with shendu, {len(x)} training and "
              f"{len(x_test)} test images of 8x8 pixels")
        return x, y, (x_test, y_test)
    x = flatten_features(load_array(args.x, "--x", args.x_key))
    y = load_array(args.y, "--y", args.y_key)
    if len(x) != len(y):
        raise CommandError(f"--x has {len(x)} rows but --y has {len(y)}; they must have one row "
                           "per sample, in the same order.")
    print(f"data: {len(x)} samples with {x.shape[1]} features from {args.x}")
    return x, y, None


def _build_model(args, x, y):
    from .layers import Dense
    from .models import Sequential

    task = infer_task(np.asarray(y[: min(len(y), 100_000)]))
    loss = args.loss or task.loss
    if args.model:
        from .models import model_from_json

        try:
            with open(args.model, encoding="utf-8") as handle:
                model = model_from_json(handle.read())
        except OSError as err:
            raise CommandError(f"--model: cannot read '{args.model}' ({err.strerror}).") from None
        print(f"model: from {args.model}")
    else:
        spec = parse_layers(args.layers) if args.layers else [(64, "relu"), (32, "relu"),
                                                             (task.units, task.activation)]
        model = Sequential()
        for i, (units, activation) in enumerate(spec):
            kwargs = {"input_dim": x.shape[1]} if i == 0 else {}
            model.add(Dense(units, activation=activation, **kwargs))
        print(f"model: Dense layers {', '.join(f'{u}:{a}' for u, a in spec)}")
    print(task.describe() if not args.loss else f"loss: {loss} (given)")
    from . import optimizers

    optimizer = optimizers.get(args.optimizer)
    if args.learning_rate is not None:
        optimizer.learning_rate = args.learning_rate
    if args.metrics is not None:
        metrics = [m for m in args.metrics.split(",") if m]
    else:
        metrics = ["accuracy"] if task.kind != "regression" else ["mae"]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model, task


def _write_history(history: dict, path: str) -> None:
    from .saving.model_file import atomic_write_bytes

    keys = list(history)
    rows = [",".join(["epoch"] + keys)]
    for i in range(len(history[keys[0]]) if keys else 0):
        rows.append(",".join([str(i + 1)] + [repr(float(history[k][i])) for k in keys]))
    atomic_write_bytes(path, ("\n".join(rows) + "\n").encode())


def cmd_train(args) -> None:
    from .utils import set_random_seed

    set_random_seed(args.seed)
    x, y, test = _training_data(args)
    model, task = _build_model(args, x, y)
    default_job = args.x is None
    epochs = args.epochs if args.epochs is not None else (40 if default_job else 10)
    split = args.validation_split if args.validation_split is not None else 0.1
    callbacks = []
    if args.early_stopping is not None:
        from .callbacks import EarlyStopping

        monitor = "val_loss" if split else "loss"
        callbacks.append(EarlyStopping(monitor=monitor, patience=args.early_stopping,
                                       restore_best_weights=True))
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    history = model.fit(x, y, batch_size=args.batch_size, epochs=epochs, verbose=verbose,
                        validation_split=split, callbacks=callbacks)
    model.save(args.out)
    print(f"saved model: {args.out}")
    if args.history:
        _write_history(history.history, args.history)
        print(f"saved history: {args.history}")
    if args.plot:
        try:
            from .plotting import plot_history

            plot_history(history.history, args.plot, title="shendu training curves")
            print(f"saved curves: {args.plot}")
        except ShenduError as err:  # matplotlib missing: training still counts
            print(f"curves not drawn: {err}", file=sys.stderr)
    if test is not None:
        results = model.evaluate(*test, verbose=0, return_dict=True)
        if "accuracy" in results:
            print(f"test accuracy: {results['accuracy']:.4f}")
        else:
            print(f"test loss: {results['loss']:.4f}")


# -- evaluate / predict / summary / plot ----------------------------------------------------------
def _load(path):
    from .models import load_model

    return load_model(path)


def _model_inputs(model, x):
    x = np.asarray(x)
    shape = getattr(model, "_build_shape", None)
    if shape is not None and len(shape) == 2 and x.ndim > 2:
        x = flatten_features(x)
    return x


def cmd_evaluate(args) -> None:
    model = _load(args.model)
    x = _model_inputs(model, load_array(args.x, "--x"))
    y = load_array(args.y, "--y")
    if len(x) != len(y):
        raise CommandError(f"--x has {len(x)} rows but --y has {len(y)}.")
    results = model.evaluate(x, np.asarray(y), verbose=0, return_dict=True)
    for name, value in results.items():
        print(f"{name}: {value:.4f}")
    if args.confusion:
        probs = model.predict(x, verbose=0)
        labels = _labels_from(probs)
        truth = np.asarray(y)
        truth = truth.argmax(-1) if truth.ndim == 2 and truth.shape[1] > 1 else truth.reshape(-1)
        from .plotting import confusion_matrix, plot_confusion

        n = max(2, probs.shape[-1]) if probs.shape[-1] > 1 else 2
        plot_confusion(confusion_matrix(truth, labels, n), args.confusion)
        print(f"saved confusion matrix: {args.confusion}")


def _labels_from(probs: np.ndarray) -> np.ndarray:
    if probs.ndim == 2 and probs.shape[1] > 1:
        return probs.argmax(axis=1)
    return (probs.reshape(-1) > 0.5).astype(np.int64)


def cmd_predict(args) -> None:
    model = _load(args.model)
    x = _model_inputs(model, load_array(args.x, "--x"))
    probs = model.predict(x, verbose=0)
    is_classifier = "crossentropy" in type(model.loss).__name__.lower() if model.loss else False
    out = probs if (args.proba or not is_classifier) else _labels_from(probs)
    from .saving.model_file import atomic_write_bytes

    buffer = io.BytesIO()
    np.save(buffer, out)
    atomic_write_bytes(args.out, buffer.getvalue())
    print(f"wrote {out.shape} {'probabilities' if args.proba else 'predictions'} to {args.out}")


def cmd_summary(args) -> None:
    _load(args.model).summary()


def cmd_plot(args) -> None:
    if not os.path.exists(args.history):
        raise CommandError(f"history file '{args.history}' not found.")
    with open(args.history, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "loss" not in rows[0]:
        raise CommandError(f"'{args.history}' has no 'loss' column; expected the CSV written by "
                           "shendu train --history or CSVLogger.")
    try:
        history = {k: [float(r[k]) for r in rows] for k in rows[0] if k != "epoch"}
    except ValueError as err:
        raise CommandError(f"'{args.history}' has a non-numeric value ({err}).") from None
    from .plotting import plot_history

    plot_history(history, args.out)
    print(f"saved curves: {args.out}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
