"""The notifier service's application factory."""

from __future__ import annotations

from flask import Flask

from shared import auth, logs, metrics
from shared.bus.interfaces import Bus
from shared.directory import api as directory_api
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.http import health_blueprint, install_problem_handlers
from shared.settings import Settings
from shared.topics import consumer_groups


def create_app(
    settings: Settings, *, bus: Bus, authenticator: auth.Authenticator | None = None
) -> Flask:
    """``authenticator`` resolves keys: the directory projection's in production; without
    one, an empty directory (every key refused)."""
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    authenticator = authenticator or DirectoryAuthenticator(DirectoryProjection())
    auth.init_app(app, authenticator)
    install_problem_handlers(app)
    logs.init_app(app)
    metrics.init_app(
        app, [metrics.consumer_lag(bus, consumer_groups(settings.topic_prefix, "notifier"))]
    )
    app.register_blueprint(directory_api.bp)
    app.register_blueprint(health_blueprint({"bus": bus.ping, "directory": authenticator.ready}))
    return app
