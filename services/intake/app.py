"""The intake service's application factory."""

from __future__ import annotations

from flask import Flask

from services.intake.auth import limiter
from services.intake.form import init_app as init_form
from services.intake.keys import ApiKeys, keys_path
from services.intake.outbox import Outbox, outbox_path
from services.intake.status_pages import bp as status_pages
from services.intake.views import bp
from shared.bus.interfaces import Bus
from shared.http import health_blueprint, install_problem_handlers
from shared.settings import Settings

MAX_BODY_BYTES = 1 << 20


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus,
    outbox: Outbox | None = None,
    keys: ApiKeys | None = None,
) -> Flask:
    settings = settings or Settings.from_env()
    outbox = outbox or Outbox(outbox_path(settings))
    keys = keys or ApiKeys(keys_path(settings))
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["accord.outbox"] = outbox
    app.extensions["accord.keys"] = keys
    limiter.init_app(app)
    install_problem_handlers(app)
    app.register_blueprint(health_blueprint({"bus": bus.ping}))
    app.register_blueprint(bp)
    init_form(app)  # HTML form + CSRF; SECRET_KEY: settings, else random (one process only)
    app.register_blueprint(status_pages)  # a lab's reports, signed in with its key
    return app
