"""Issue #13 item 24: under Passenger each log record is written once.

Passenger's ``wsgi-loader.py`` runs ``logging.basicConfig(level=WARNING, format="[ pid=…,
time=… ]: %(message)s")`` and then loads ``passenger_wsgi.py``; the child below does the
same two steps, logs, and the test counts the lines.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

from tests.integration.live import server_env

ROOT = Path(__file__).resolve().parents[2]

LOADER = """
import logging, runpy, sys
logging.basicConfig(level=logging.WARNING,
                    format="[ pid=%(process)d, time=%(asctime)s ]: %(message)s")
module = runpy.run_path(sys.argv[1], run_name="passenger_wsgi")
assert callable(module["application"])
logging.getLogger("munjigi.probe").warning("written once, please")
logging.exception("WSGI application raised an exception!")  # as the loader logs crashes
"""


def test_each_record_is_written_once_under_passengers_loader(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'p.sqlite'}", tmp_path, secrets.token_urlsafe(48))
    done = subprocess.run(  # noqa: S603 - fixed command, test environment
        [sys.executable, "-c", LOADER, str(ROOT / "passenger_wsgi.py")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len([line for line in lines if "written once, please" in line]) == 1, lines
    assert len([line for line in lines if "raised an exception" in line]) == 1, lines
    # The one kept is ours (JSON by default), not the loader's "[ pid=… ]" copy.
    assert not any(line.startswith("[ pid=") for line in lines), lines
