"""examples/digits_mlp.py runs and beats a floor on a smaller budget (8 epochs instead of 30).

The full run (30 epochs) reaches 0.983 on the fixed split (the issue asks for >= 0.97); with 8
epochs seeds 0-2 gave 0.983, 0.969, 0.972, so the CI floor is 0.95.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_digits_mlp_prints_its_test_accuracy_last_and_beats_the_floor():
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "digits_mlp.py"), "--epochs", "8"],
        capture_output=True, text=True, timeout=600, check=True,
    )
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy: ")
    assert len(last.split(": ")[1]) == 6  # 0.xxxx
    assert float(last.split(": ")[1]) >= 0.95
