"""Phusion Passenger entry point (cPanel "Setup Python App"): Passenger imports ``application``.

See docs/deploy-cpanel.md. Configuration comes from the environment variables set in the
cPanel form, or from a ``.env`` file next to this one (Passenger starts the app here).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# An uploaded source tree works without `pip install .`: the package lives in src/.
if (HERE / "src" / "munjigi").is_dir() and str(HERE / "src") not in sys.path:
    sys.path.insert(0, str(HERE / "src"))

# Passenger's wsgi-loader.py calls logging.basicConfig() before it imports this file, so the
# root logger already has its handler ("[ pid=…, time=… ]: message"); with ours beside it,
# every record would be written twice. Ours (JSON or text, redacted) is the one kept.
for _handler in list(logging.getLogger().handlers):
    logging.getLogger().removeHandler(_handler)

from munjigi import create_app  # noqa: E402

application = create_app()
