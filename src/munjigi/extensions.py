"""Unbound extension instances; ``create_app`` binds them to an application."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from munjigi.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
