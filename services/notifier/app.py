"""The notifier service's application factory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from flask import Flask
from prometheus_client.core import GaugeMetricFamily, Metric

from services.notifier import (
    api,
    exercise_pages,  # noqa: F401 (its routes join pages.bp)
    pages,
)
from services.notifier.deadlines import views as deadline_views
from services.notifier.escalations import Escalations
from services.notifier.exercises import views as exercise_views
from services.notifier.openapi import document
from shared import auth, logs, metrics
from shared.bus.interfaces import Bus, Producer
from shared.directory import api as directory_api
from shared.directory import views as directory_views
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.http import health_blueprint, install_problem_handlers
from shared.settings import Settings
from shared.topics import consumer_groups


def _open_deadlines(escalations: Escalations) -> metrics.GaugeSource:
    """Regulatory deadlines with a report still to file, by regime, read at scrape time."""

    def collect() -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "accord_deadlines_open",
            "Regulatory deadlines whose report is not filed yet, by regime.",
            labels=["regime"],
        )
        deadlines = list(escalations.state.deadlines.values())  # the consumer adds to it
        for regime, count in sorted(Counter(d.regime for d in deadlines if d.open).items()):
            family.add_metric([regime], count)
        yield family

    return collect


def create_app(
    settings: Settings,
    *,
    bus: Bus,
    escalations: Escalations,
    directory: DirectoryProjection,
    producer: Producer,
    authenticator: auth.Authenticator | None = None,
) -> Flask:
    """``authenticator`` resolves keys: by default the directory projection's."""
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    authenticator = authenticator or DirectoryAuthenticator(directory)
    auth.init_app(app, authenticator)
    install_problem_handlers(app)
    logs.init_app(app)
    metrics.init_app(
        app,
        [
            metrics.consumer_lag(bus, consumer_groups(settings.topic_prefix, "notifier")),
            _open_deadlines(escalations),
        ],
    )
    app.extensions["accord.escalations"] = escalations
    app.extensions["accord.directory"] = directory
    app.register_blueprint(directory_api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(deadline_views.bp)
    app.register_blueprint(exercise_views.bp)
    # The on-call pages, and the directory's sign-in pages they send people to.
    directory_views.init_app(app, projection=directory, producer=producer, service_name="notifier")
    app.register_blueprint(pages.bp)

    @app.get("/openapi.json")
    def openapi():
        return document(settings.notifier_url)

    app.register_blueprint(
        health_blueprint(
            {"bus": bus.ping, "directory": authenticator.ready, "state": escalations.state.ready}
        )
    )
    return app
