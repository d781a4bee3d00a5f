"""An exercise's after-action report into the risk register: each action that names a
risk becomes a planned mitigation of it, written as ``risk.updated`` by the register
like any other change (incident, then exercise, then risk).

The handler of the notifier's ``exercise.after_action_filed`` (the registry's consumer of
``notifier-events``); at least once, so idempotent: an action already among the risk's
mitigations is not added again (a redelivery, or a rebuild that replays the register's
own events first). An action naming a risk that is missing, or one the filer may not
keep, is logged and left: the report itself stands in the notifier.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from services.registry.risk_register import RiskRegister
from services.registry.service import Invalid, NotFound, Stale
from shared.access import COORDINATOR, Viewer
from shared.envelope import Envelope

log = logging.getLogger(__name__)

AFTER_ACTION = "exercise.after_action_filed"
ATTEMPTS = 3


def mitigation(exercise_id: str, title: str) -> str:
    return f"{title} (after-action, exercise {exercise_id})"


def apply_after_action(register: RiskRegister, envelopes: Iterable[Envelope]) -> None:
    for event in envelopes:
        if event.type != AFTER_ACTION:
            continue
        p = event.payload
        # The coordinator who filed the report, as the register's actor.
        viewer = Viewer(
            person_id=p["by"]["id"],
            name=p["by"]["name"],
            member=True,
            roles=frozenset({COORDINATOR}),
        )
        for action in p["actions"]:
            if action.get("risk_id"):
                _add(
                    register,
                    viewer,
                    action["risk_id"],
                    mitigation(p["exercise_id"], action["title"]),
                )


def _add(register: RiskRegister, viewer: Viewer, risk_id: str, description: str) -> None:
    for _ in range(ATTEMPTS):
        stored = register.store.fetch_risk(risk_id)
        if stored is None:
            log.warning("after-action: no risk %s", risk_id)
            return
        existing = list(stored.doc.get("mitigations") or [])
        if any(m["description"] == description for m in existing):
            return
        try:
            register.update(
                viewer,
                risk_id,
                expected_version=stored.doc["version"],
                fields={
                    "mitigations": [*existing, {"description": description, "status": "planned"}]
                },
            )
            return
        except Stale:
            continue  # changed meanwhile: read again
        except (Invalid, NotFound) as exc:
            log.warning("after-action: risk %s left as it is: %s", risk_id, exc)
            return
