import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # subprocesses or whole-site sweeps: make test-fast leaves them out


def test_collectstatic_makes_hashed_and_compressed_files(tmp_path):
    env = {**os.environ, "DJANGO_STATIC_MANIFEST": "1", "STATIC_ROOT": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/site.css"]
    assert hashed != "css/site.css" and (tmp_path / hashed).is_file()
    assert (tmp_path / f"{hashed}.gz").is_file()
    assert "js/post-editor.js" in manifest
