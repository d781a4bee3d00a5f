"""The intake service's application factory."""

from __future__ import annotations

from flask import Flask

from services.intake.outbox import Outbox
from services.intake.views import bp
from shared.bus.interfaces import Bus
from shared.http import health_blueprint, install_problem_handlers
from shared.settings import Settings

MAX_BODY_BYTES = 1 << 20


def create_app(
    settings: Settings | None = None, *, bus: Bus, outbox: Outbox | None = None
) -> Flask:
    settings = settings or Settings.from_env()
    outbox = outbox or Outbox(settings.data_dir / "intake-outbox.sqlite3")
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["accord.outbox"] = outbox
    install_problem_handlers(app)
    app.register_blueprint(health_blueprint({"bus": bus.ping}))
    app.register_blueprint(bp)
    return app
