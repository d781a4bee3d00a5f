"""Whom a policy's target names at a moment: the engine's ``Roster``, over the directory
and the schedules.

``oncall`` targets use the collaboration's schedule (the first one created): its layer
of that name. With no schedule, or nobody on that layer then, they fall back to everyone
holding the on-call role, so a page never goes to nobody while someone is on call.
"""

from __future__ import annotations

from datetime import datetime

from services.notifier.oncall.models import oncall_on
from services.notifier.policies.models import Target
from services.notifier.state import NotifierState
from shared.access import ONCALL
from shared.directory.projection import Directory, DirectoryProjection


class Roster:
    def __init__(self, directory: DirectoryProjection, state: NotifierState) -> None:
        self._directory = directory
        self._state = state

    def resolve(self, target: Target, at: datetime) -> tuple[str, ...]:
        if target.kind == "oncall":
            schedules = self._state.schedule_list()
            person = oncall_on(schedules[0].schedule, target.layer, at) if schedules else None
            return (person,) if person else self._with_role(ONCALL)
        if target.kind == "schedule":
            named = [s for s in self._state.schedule_list() if s.schedule.name == target.value]
            person = oncall_on(named[0].schedule, target.layer, at) if named else None
            return (person,) if person else ()
        if target.kind == "person":
            return (
                (target.value,) if self._directory.read(lambda d: target.value in d.people) else ()
            )
        if target.kind == "role":
            return self._with_role(target.value)
        if target.kind == "team":
            return self._directory.read(
                lambda d: tuple(
                    p.id
                    for p in d.people.values()
                    if p.organization_id == target.value and ONCALL in p.roles
                )
            )
        return ()

    def _with_role(self, role: str) -> tuple[str, ...]:
        def question(d: Directory) -> tuple[str, ...]:
            return tuple(sorted(p.id for p in d.people.values() if role in p.roles))

        return self._directory.read(question)
