"""What installing and importing shendu brings in: three hard dependencies, nothing heavy."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys


def _name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0).lower().replace("_", "-")


def test_hard_dependencies_are_exactly_numpy_safetensors_tqdm():
    requirements = importlib.metadata.requires("shendu") or []
    hard = {_name(r) for r in requirements if "extra ==" not in r.replace("extra==", "extra ==")}
    assert hard == {"numpy", "safetensors", "tqdm"}


def test_test_extra_pins_the_reference_torch():
    requirements = importlib.metadata.requires("shendu") or []
    test_extra = [r for r in requirements if re.search(r"extra\s*==\s*['\"]test['\"]", r)]
    assert any(r.replace(" ", "").startswith("torch==2.13.0") for r in test_extra)


HEAVY = ["torch", "tensorflow", "matplotlib", "tqdm", "safetensors", "scipy"]

IMPORT_SCRIPT = """
import json, sys
import shendu
from shendu.models import Sequential
from shendu.layers import Dense
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


def test_importing_the_seed_api_loads_nothing_heavy():
    script = IMPORT_SCRIPT.format(heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"imported eagerly: {loaded}"


def test_building_and_training_the_seed_network_loads_nothing_heavy():
    script = IMPORT_SCRIPT.replace("print(", """import numpy as np
model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(np.zeros((8, 3)), np.zeros(8), epochs=1, verbose=0)
model.evaluate(np.zeros((8, 3)), np.zeros(8), verbose=0)
print(""")
    script = script.format(heavy=[m for m in HEAVY if m not in ("tqdm", "safetensors")])
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
