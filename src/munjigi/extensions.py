"""Unbound extension instances; ``create_app`` binds them to an application."""

from __future__ import annotations

from flask_migrate import Migrate

from munjigi.db import Base
from munjigi.db import Database

db = Database(model_class=Base)
migrate = Migrate()
