"""The registry's pages for risk owners: server-rendered, no JavaScript, in the four
languages of intake's form (``services.registry.i18n``).

``init_app`` mounts them with the directory's sign-in (``shared.directory.views``):
home and search with facet links and cursor pages (``search``), one incident with its
timeline and triage actions (``incident``), the members' and the public dashboards
(``dashboard``), the duplicates queue (``duplicates``), the risk register (``risks``).
"""

from __future__ import annotations

from flask import Blueprint, Flask

from services.registry.web import dashboard, duplicates, incident, risks, search
from services.registry.web.pages import DIRECTORY
from shared.bus.interfaces import Producer
from shared.clock import SYSTEM_CLOCK, Clock
from shared.directory import views as sign_in
from shared.directory.projection import DirectoryProjection


def init_app(
    app: Flask,
    *,
    directory: DirectoryProjection,
    producer: Producer,
    clock: Clock = SYSTEM_CLOCK,
) -> None:
    """``directory`` signs people in and names them; ``producer`` publishes the passwords
    they set through their one-time links; ``clock`` times the sign-in throttle."""
    app.extensions[DIRECTORY] = directory
    sign_in.init_app(
        app, projection=directory, producer=producer, service_name="registry", clock=clock
    )
    app.register_blueprint(
        Blueprint(
            "registry_static", __name__, static_folder="static", static_url_path="/pages/static"
        )
    )
    app.register_blueprint(search.bp)
    app.register_blueprint(incident.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(duplicates.bp)
    app.register_blueprint(risks.bp)
