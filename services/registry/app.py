"""The registry service's application factory."""

from __future__ import annotations

from flask import Flask

from services.registry import decision_views, risk_views, service_level_views
from services.registry import web as pages
from services.registry.journal import Journal, journal_path
from services.registry.openapi import document
from services.registry.query.errors import QuerySyntaxError
from services.registry.query.sorting import BadCursor
from services.registry.risk_register import RiskRegister
from services.registry.service import LazyProducer, Registry
from services.registry.service_levels import Policy
from services.registry.store.interfaces import IncidentStore
from services.registry.views import bp
from shared import auth, logs, metrics
from shared.bus.interfaces import Bus, Producer
from shared.clock import SYSTEM_CLOCK, Clock
from shared.directory import api as directory_api
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.errors import Rejected
from shared.http import health_blueprint, install_problem_handlers, problem
from shared.settings import Settings
from shared.topics import REGISTRY_EVENTS, consumer_groups, topic_name


def _install_rejection_handlers(app: Flask) -> None:
    """Bad input is a 400 naming the problem, never a 503 or a 500."""

    @app.errorhandler(QuerySyntaxError)
    def _syntax(exc: QuerySyntaxError):
        return problem(
            400,
            "Bad Request",
            f"The query cannot be read: {exc.message}",
            position=exc.position,
            expected=exc.expected,
            errors=[{"pointer": "/q", "detail": exc.message}],
        )

    @app.errorhandler(BadCursor)
    def _cursor(exc: BadCursor):
        return problem(
            400, "Bad Request", str(exc), errors=[{"pointer": "/cursor", "detail": str(exc)}]
        )

    @app.errorhandler(Rejected)
    def _rejected(exc: Rejected):
        return problem(400, "Bad Request", str(exc))


def create_app(
    settings: Settings,
    *,
    bus: Bus,
    store: IncidentStore,
    authenticator: auth.Authenticator | None = None,
    directory: DirectoryProjection | None = None,
    producer: Producer | None = None,
    clock: Clock = SYSTEM_CLOCK,
    journal: Journal | None = None,
) -> Flask:
    """``directory`` is this process's projection (kept current by its follower; without
    one, an empty directory): it signs people in to the pages and, unless
    ``authenticator`` is given, resolves keys. ``producer`` publishes the passwords people
    set (without one, a producer of ``bus``). ``clock`` dates the decisions. ``journal``
    holds their events until published (without one, the data directory's)."""
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    app.extensions["accord.store"] = store
    registry = Registry(
        store=store,
        producer=LazyProducer(bus).get,
        events_topic=topic_name(settings.topic_prefix, REGISTRY_EVENTS),
        clock=clock,
        journal=journal or Journal(journal_path(settings)),
    )
    app.extensions["accord.registry"] = registry
    app.extensions["accord.risks"] = RiskRegister(registry)
    app.extensions["accord.service_levels"] = Policy.from_settings(settings)
    directory = directory or DirectoryProjection()
    authenticator = authenticator or DirectoryAuthenticator(directory)
    auth.init_app(app, authenticator)
    install_problem_handlers(app)
    logs.init_app(app)
    metrics.init_app(
        app, [metrics.consumer_lag(bus, consumer_groups(settings.topic_prefix, "registry"))]
    )
    _install_rejection_handlers(app)
    app.register_blueprint(directory_api.bp)
    app.register_blueprint(
        health_blueprint({"bus": bus.ping, "store": store.ping, "directory": authenticator.ready})
    )
    app.register_blueprint(bp)
    app.register_blueprint(decision_views.bp)
    app.register_blueprint(risk_views.bp)
    app.register_blueprint(service_level_views.bp)
    pages.init_app(app, directory=directory, producer=producer or bus.producer(), clock=clock)

    @app.get("/openapi.json")
    def openapi():
        return document(settings.registry_url)

    return app
