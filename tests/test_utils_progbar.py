"""Progbar (keras.utils.Progbar): step-weighted averages as Keras computes them, the tqdm line,
the verbose=2 summary, and argument checks."""

import sys

import pytest

from shendu.errors import ArgumentError
from shendu.utils import Progbar


def test_values_are_averaged_over_the_steps_they_stand_for():
    bar = Progbar(10, verbose=0)
    bar.update(2, [("loss", 1.0)])  # stands for steps 1-2
    bar.update(3, [("loss", 4.0)])  # step 3
    bar.add(3, [("loss", 2.0)])     # steps 4-6
    # (1·2 + 4·1 + 2·3) / 6 = 2
    assert bar.average("loss") == pytest.approx(2.0)


def test_stateful_metrics_are_shown_as_given():
    bar = Progbar(10, verbose=0, stateful_metrics=["acc"])
    bar.update(1, [("acc", 0.5), ("loss", 1.0)])
    bar.update(2, [("acc", 0.7), ("loss", 3.0)])
    assert bar.average("acc") == 0.7 and bar.average("loss") == 2.0


def test_stateless_metrics_average_only_those_named():
    bar = Progbar(10, verbose=0, stateless_metrics=["loss"])
    bar.update(1, [("acc", 0.5), ("loss", 1.0)])
    bar.update(2, [("acc", 0.7), ("loss", 3.0)])
    assert bar.average("acc") == 0.7 and bar.average("loss") == 2.0


def test_the_final_update_shows_the_given_values_as_keras_3_does():
    bar = Progbar(2, verbose=0)
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 5.0)])  # finalize: Keras shows 5, not the average 3
    assert bar.average("loss") == 5.0


def test_array_values_are_averaged_by_their_mean():
    bar = Progbar(None, verbose=0)
    bar.update(1, [("loss", [1.0, 3.0])])
    assert bar.average("loss") == 2.0


def test_verbose_1_draws_the_keras_line_with_tqdm(capsys):
    bar = Progbar(4, verbose=1, interval=0, stateful_metrics=["lr"])
    for step in range(1, 5):
        bar.update(step, [("loss", float(step)), ("lr", 1e-5)])
    out = capsys.readouterr().out
    assert "tqdm" in sys.modules
    last = out.split("\r")[-1]
    assert last.startswith("4/4 " + "━" * 20 + " ")
    assert "/step - loss: 4.0000 - lr: 1.0000e-05" in last and last.endswith("\n")
    assert "2/4 " + "━" * 10 + " " * 10 + " " in out
    assert "loss: 1.5000" in out  # the running average at step 2: (1 + 2) / 2


def test_verbose_1_with_unknown_target(capsys):
    bar = Progbar(None, verbose=1, interval=0, unit_name="sample")
    bar.add(5, [("loss", 2.0)])
    bar.update(5, finalize=True)
    out = capsys.readouterr().out
    assert "      5/Unknown " in out and "/sample - loss: 2.0000" in out and out.endswith("\n")


def test_interval_skips_redraws_but_not_the_last(capsys):
    bar = Progbar(100, verbose=1, interval=3600)
    for step in range(1, 101):
        bar.update(step)
    out = capsys.readouterr().out
    assert out.count("/100") == 2  # the first draw and the final one


def test_verbose_2_prints_one_line_at_the_end(capsys):
    bar = Progbar(3, verbose=2)
    for step in range(1, 4):
        bar.update(step, [("loss", 0.5)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("3/3 - ")
    assert out.rstrip().endswith("/step - loss: 0.5000")


def test_verbose_0_prints_nothing(capsys):
    bar = Progbar(3, verbose=0)
    bar.update(3, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("kwargs, match", [
    ({"target": -1}, "target must be a number >= 0 or None"),
    ({"target": "10"}, "target must be a number"),
    ({"target": 5, "width": 0}, "width must be a whole number >= 1"),
    ({"target": 5, "verbose": 3}, "verbose must be 0, 1 or 2"),
    ({"target": 5, "interval": -1}, "interval must be a number >= 0"),
    ({"target": 5, "stateful_metrics": ["a"], "stateless_metrics": ["b"]},
     "pass stateful_metrics or stateless_metrics, not both"),
    ({"target": 5, "unit_name": 1}, "unit_name must be a str"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ArgumentError, match=f"Progbar: {match}.*Hint"):
        Progbar(**kwargs)


@pytest.mark.parametrize("values, match", [
    ([("loss",)], "values must be \\(name, value\\) pairs"),
    ([(1, 2.0)], "values must be \\(name, value\\) pairs"),
    ([("loss", "high")], "value of 'loss' must be a number"),
])
def test_bad_values_are_refused(values, match):
    with pytest.raises(ArgumentError, match=f"Progbar.update: {match}.*Hint"):
        Progbar(5, verbose=0).update(1, values)


def test_bad_current_and_unknown_average_are_refused():
    bar = Progbar(5, verbose=0)
    with pytest.raises(ArgumentError, match="Progbar.update: current must be a number >= 0"):
        bar.update(-1)
    with pytest.raises(ArgumentError, match="Progbar.add: n must be a number >= 0"):
        bar.add(None)
    with pytest.raises(ArgumentError, match="Progbar.average: no values named 'acc'.*Hint"):
        bar.average("acc")


def test_values_may_be_a_dict():
    bar = Progbar(5, verbose=0)
    bar.update(1, {"loss": 2.0})
    assert bar.average("loss") == 2.0
