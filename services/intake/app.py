"""The intake service's application factory."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from services.intake.form import init_app as init_form
from services.intake.outbox import Outbox, outbox_path
from services.intake.rate_limit import RateLimiter
from services.intake.rate_storage import RateCounters, rate_path
from services.intake.status_pages import bp as status_pages
from services.intake.views import bp
from shared import auth, logs, metrics
from shared.bus.interfaces import Bus, Producer
from shared.clock import SYSTEM_CLOCK, Clock
from shared.directory import api as directory_api
from shared.directory import views as sign_in
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.http import health_blueprint, install_problem_handlers
from shared.settings import Settings
from shared.topics import consumer_groups

MAX_BODY_BYTES = 1 << 20


def create_app(
    settings: Settings,
    *,
    bus: Bus,
    directory: DirectoryProjection,
    producer: Producer,
    outbox: Outbox | None = None,
    authenticator: auth.Authenticator | None = None,
    clock: Clock = SYSTEM_CLOCK,
    processes_ready: Callable[[], None] | None = None,
) -> Flask:
    """``directory`` is this process's projection (kept current by its follower);
    ``producer`` publishes the passwords people set through their one-time links;
    ``clock`` dates the labs' answers to the registry's questions; ``processes_ready``
    raises ``Unavailable`` while another of intake's processes is not ready (for
    ``/readyz``)."""
    outbox = outbox or Outbox(outbox_path(settings))
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["accord.outbox"] = outbox
    app.extensions["accord.directory"] = directory
    app.extensions["accord.clock"] = clock
    authenticator = authenticator or DirectoryAuthenticator(directory)
    auth.init_app(app, authenticator)
    app.extensions["accord.rate_limiter"] = RateLimiter(
        settings.intake_rate_limit, RateCounters(rate_path(settings))
    )
    install_problem_handlers(app)
    logs.init_app(app)
    metrics.init_app(
        app,
        [
            metrics.consumer_lag(bus, consumer_groups(settings.topic_prefix, "intake")),
            metrics.gauge(
                "accord_outbox_depth",
                "Accepted reports in intake's outbox not yet published to the bus.",
                lambda: outbox.depth()[0],
            ),
        ],
    )
    app.register_blueprint(directory_api.bp)
    checks = {"bus": bus.ping, "outbox": outbox.ping, "directory": authenticator.ready}
    if processes_ready is not None:
        checks["processes"] = processes_ready
    app.register_blueprint(health_blueprint(checks))
    app.register_blueprint(bp)
    init_form(app)  # HTML form + CSRF; SECRET_KEY: settings, else random (one process only)
    # Intake's processes share one count of failed sign-ins (ACCORD_INTAKE_PROCESSES).
    sign_in.init_app(
        app,
        projection=directory,
        producer=producer,
        service_name="intake",
        clock=clock,
        failures=settings.data_dir / "intake-sign-in.sqlite3",
    )
    app.register_blueprint(status_pages)  # an organization's reports, for its signed-in people
    return app
