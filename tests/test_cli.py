"""The `shendu` command, run for real in a subprocess on temporary files."""

import subprocess
import sys

import numpy as np
import pytest

PNG = b"\x89PNG\r\n\x1a\n"


def run(args, cwd, check=True):
    result = subprocess.run([sys.executable, "-m", "shendu.cli", *args], cwd=cwd,
                            capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def _png_size(path):
    data = open(path, "rb").read(32)
    assert data[:8] == PNG
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture(scope="module")
def seed_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 20)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] > 0).astype("float32")
    np.save(folder / "X.npy", x)
    np.save(folder / "y.npy", y)
    np.savetxt(folder / "X.csv", x[:100], delimiter=",")
    return folder


def test_default_job_trains_on_shipped_digits(tmp_path):
    result = run(["train", "--epochs", "15"], tmp_path)
    lines = result.stdout.strip().splitlines()
    assert "digits shipped with shendu" in result.stdout
    assert "task: 10-class classification" in result.stdout
    accuracy = float(lines[-1].split(":")[1])
    assert lines[-1].startswith("test accuracy:") and accuracy > 0.9
    assert (tmp_path / "model.safetensors").exists()
    width, height = _png_size(tmp_path / "curves.png")
    assert width > 400 and height > 250
    assert (tmp_path / "history.csv").read_text().startswith("epoch,")


def test_seed_workflow_from_the_shell_then_evaluate_predict_summary(seed_files, tmp_path):
    model = tmp_path / "m.safetensors"
    result = run(["train", "--x", str(seed_files / "X.npy"), "--y", str(seed_files / "y.npy"),
                  "--layers", "16:relu,8:relu,1:sigmoid", "--epochs", "8", "--seed", "1",
                  "--out", str(model), "--plot", str(tmp_path / "c.png"),
                  "--early-stopping", "3"], tmp_path)
    assert "task: binary classification" in result.stdout
    assert model.exists() and _png_size(tmp_path / "c.png")[0] > 400

    result = run(["evaluate", str(model), "--x", str(seed_files / "X.npy"), "--y",
                  str(seed_files / "y.npy"), "--confusion", str(tmp_path / "cm.png")], tmp_path)
    accuracy = float([line for line in result.stdout.splitlines()
                      if line.startswith("accuracy")][0].split(":")[1])
    assert accuracy > 0.9
    assert _png_size(tmp_path / "cm.png")[0] > 200

    run(["predict", str(model), "--x", str(seed_files / "X.csv"), "--out",
         str(tmp_path / "p.npy")], tmp_path)
    labels = np.load(tmp_path / "p.npy")
    assert labels.shape == (100,) and set(np.unique(labels)) <= {0, 1}
    run(["predict", str(model), "--x", str(seed_files / "X.npy"), "--out",
         str(tmp_path / "q.npy"), "--proba"], tmp_path)
    probs = np.load(tmp_path / "q.npy")
    assert probs.shape == (1500, 1) and (0 <= probs).all() and (probs <= 1).all()

    result = run(["summary", str(model)], tmp_path)
    assert "Total params" in result.stdout and "Dense" in result.stdout

    result = run(["plot", str(tmp_path / "history.csv"), "-o", str(tmp_path / "h.png")], tmp_path)
    assert _png_size(tmp_path / "h.png")[0] > 400


def test_model_json_architecture(seed_files, tmp_path):
    from shendu.layers import Dense
    from shendu.models import Sequential

    arch = Sequential([Dense(4, activation="relu", input_dim=20), Dense(1, activation="sigmoid")])
    (tmp_path / "arch.json").write_text(arch.to_json())
    result = run(["train", "--x", str(seed_files / "X.npy"), "--y", str(seed_files / "y.npy"),
                  "--model", str(tmp_path / "arch.json"), "--epochs", "1", "--plot", ""],
                 tmp_path)
    assert "model: from" in result.stdout


@pytest.mark.parametrize("args, words", [
    (["train", "--x", "missing.npy", "--y", "missing.npy"], "not found"),
    (["train", "--x", "X.npy"], "give both --x and --y"),
    (["train", "--x", "X.npy", "--y", "short.npy"], "rows"),
    (["train", "--x", "X.npy", "--y", "y.npy", "--layers", "64:relu,abc"], "--layers"),
    (["train", "--x", "X.npy", "--y", "y.npy", "--loss", "cross_entropi"], "Unknown loss"),
    (["train", "--x", "X.npy", "--y", "y.npy", "--optimizer", "adamm"], "Did you mean"),
    (["evaluate", "nope.safetensors", "--x", "X.npy", "--y", "y.npy"], "does not exist"),
    (["plot", "nope.csv"], "not found"),
])
def test_bad_input_is_one_line_on_stderr_with_exit_code_2(seed_files, tmp_path, args, words):
    np.save(tmp_path / "X.npy", np.load(seed_files / "X.npy")[:50])
    np.save(tmp_path / "y.npy", np.load(seed_files / "y.npy")[:50])
    np.save(tmp_path / "short.npy", np.zeros(7))
    result = run(args, tmp_path, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert words in result.stderr


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "summary", "plot"])
def test_every_subcommand_has_help_with_an_example(command, tmp_path):
    result = run([command, "--help"], tmp_path)
    assert "example" in result.stdout and f"shendu {command}" in result.stdout


def test_installed_entry_point_exists():
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("shendu") == "shendu.cli:main"
