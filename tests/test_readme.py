"""README's quick start, run as written (the install half is what CI itself just did)."""

import re
import shutil
import subprocess
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _quick_start():
    block = re.search(r"```bash\n(.*?)```", README.read_text(), re.S).group(1)
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_readme_opens_with_install_and_main_job_then_install_and_tests():
    main_job, tests = _quick_start()
    assert main_job.startswith("pip install ") and "&& shendu train" in main_job
    assert tests.startswith("pip install ") and "pytest" in tests
    ci = (README.parent / ".ci" / "run").read_text()
    assert tests.split("&&", 1)[1].strip() in ci.replace("python3 -m", "python -m")


def test_main_job_runs_as_written(tmp_path):
    main_job, _ = _quick_start()
    command = main_job.split("&&", 1)[1].strip()
    assert shutil.which(command.split()[0]), "the shendu command is installed with the package"
    result = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"test accuracy: 0\.9\d{3}", last), last
    for name in ("model.safetensors", "history.csv", "curves.png"):
        assert (tmp_path / name).is_file()
