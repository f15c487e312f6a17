"""The seed example, end to end: write the data, run the seed script, read its test accuracy."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script: str, cwd: Path) -> str:
    result = subprocess.run([sys.executable, str(EXAMPLES / script)], cwd=cwd,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_seed_example_reaches_95_percent_on_the_held_out_pair(tmp_path):
    made = _run("make_seed_data.py", tmp_path)
    for name in ("X_train", "y_train", "X_test", "y_test"):
        assert (tmp_path / "data" / f"{name}.npy").is_file()
        assert f"data/{name}.npy" in made

    out = _run("seed_example.py", tmp_path)
    lines = out.strip().splitlines()
    # fit printed Keras's per-epoch lines (stdout is a pipe, not a terminal)
    assert sum(line.startswith("Epoch ") for line in lines) == 10
    assert any(re.match(r"^625/625 - \d+s - \d+(us|ms|s)/step - accuracy: ", line)
               for line in lines)
    match = re.fullmatch(r"test accuracy: (\d\.\d{4})", lines[-1])
    assert match, lines[-1]
    assert float(match.group(1)) >= 0.95


def test_seed_example_is_the_seed_script_with_only_its_imports_changed():
    readme = (EXAMPLES.parent / "README.md").read_text()
    seed = re.search(r"```python\n(import numpy as np\n.*?)```", readme, re.S).group(1)
    example = (EXAMPLES / "seed_example.py").read_text()
    assert example.startswith(seed)
    assert "from shendu.models import Sequential" in seed
    assert "from shendu.layers import Dense" in seed
