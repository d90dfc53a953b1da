"""Unbound extension instances; ``create_app`` binds them to an application.

Flask-Migrate is not here: ``create_app`` attaches it only where migrations can run (see
``munjigi._attach_migrations``).
"""

from __future__ import annotations

from munjigi.db import Base
from munjigi.db import Database

db = Database(model_class=Base)
