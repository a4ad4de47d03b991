"""The server's log lines are JSON, tracebacks included as text."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import django, logging, structlog
django.setup()
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("library").exception("library_failed")
    structlog.get_logger("outposts").error("outposts_failed", exc_info=True)
"""


def test_errors_are_logged_as_json_with_their_traceback(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "OUTPOSTS_DATA_DIR": str(tmp_path),
        "OUTPOSTS_DEBUG": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [line["event"] for line in lines] == ["library_failed", "outposts_failed"]
    for line in lines:
        assert line["level"] == "error"
        assert line["exception"].startswith("Traceback (most recent call last):")
        assert "ZeroDivisionError: division by zero" in line["exception"]
