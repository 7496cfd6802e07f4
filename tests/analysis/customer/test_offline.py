"""The model files load and run with no network at all (a fresh process under `unshare -n`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[3] / "src"
SCRIPT = """
import json, socket
from calmdesk.analysis import analyze_text
from calmdesk.analysis.customer import heads, model
from calmdesk.analysis.language import encoder
german = analyze_text("Ich will sofort mit Ihrem Vorgesetzten sprechen!").turns[0].signals
polish = analyze_text("Gdzie jest moja paczka? Czekam dwa tygodnie.").turns[0].signals
try:
    socket.create_connection(("pypi.org", 443), timeout=2)
    online = True
except OSError:
    online = False
print(json.dumps({
    "german": [german.language, [m.kind.value for m in german.requests]],
    "polish": [polish.language, polish.language_supported],
    "files": [str(heads.ARTEFACT), str(model.ARTEFACT), *encoder.package_files()],
    "learned": sorted(model.load().meta["heads"]),
    "online": online,
}))
"""


def _without_network() -> list[str]:
    """`unshare -n` where this user may make a network namespace, else nothing (env is blocked)."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def test_models_load_and_read_with_no_network(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "HOME": str(tmp_path),  # no caches from earlier runs
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
    }
    prefix = _without_network()
    done = subprocess.run(
        [*prefix, sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["german"] == ["de", ["supervisor"]]
    assert result["polish"] == ["pl", False]
    assert all(Path(p).is_file() for p in result["files"])
    assert "chargeback_threat" in result["learned"]
    if prefix:
        assert result["online"] is False
