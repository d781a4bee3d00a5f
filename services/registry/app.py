"""The registry service's application factory."""

from __future__ import annotations

from flask import Flask

from services.registry.store.interfaces import IncidentStore
from services.registry.views import bp
from shared.bus.interfaces import Bus
from shared.http import health_blueprint, install_problem_handlers
from shared.settings import Settings


def create_app(settings: Settings | None = None, *, bus: Bus, store: IncidentStore) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    app.extensions["accord.store"] = store
    install_problem_handlers(app)
    app.register_blueprint(health_blueprint({"bus": bus.ping, "store": store.ping}))
    app.register_blueprint(bp)
    return app
