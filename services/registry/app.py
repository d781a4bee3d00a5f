"""The registry service's application factory."""

from __future__ import annotations

from flask import Flask

from services.registry.store.interfaces import IncidentStore
from services.registry.views import bp
from shared import auth
from shared.bus.interfaces import Bus
from shared.directory import api as directory_api
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.http import health_blueprint, install_problem_handlers
from shared.settings import Settings


def create_app(
    settings: Settings,
    *,
    bus: Bus,
    store: IncidentStore,
    authenticator: auth.Authenticator | None = None,
) -> Flask:
    """``authenticator`` resolves keys: the directory projection's in production; without
    one, an empty directory (every key refused)."""
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    app.extensions["accord.store"] = store
    authenticator = authenticator or DirectoryAuthenticator(DirectoryProjection())
    auth.init_app(app, authenticator)
    install_problem_handlers(app)
    app.register_blueprint(directory_api.bp)
    app.register_blueprint(
        health_blueprint({"bus": bus.ping, "store": store.ping, "directory": authenticator.ready})
    )
    app.register_blueprint(bp)
    return app
