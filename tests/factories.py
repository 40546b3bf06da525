"""factory_boy factories for the models tests build directly."""

from __future__ import annotations

import factory
from werkzeug.security import generate_password_hash

from bridgeops.accounts.models import User
from bridgeops.extensions import db


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"canbo{n}@hoiphunu.test")
    name = factory.Sequence(lambda n: f"Cán bộ {n}")
    role = "officer"
    password_hash = factory.LazyFunction(lambda: generate_password_hash("mat-khau-123"))
