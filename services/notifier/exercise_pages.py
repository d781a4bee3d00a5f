"""The coordinators' exercise pages: every exercise with its state and times in the
coordinator's zone; propose one (title, participants, length), schedule it into the
earliest common slot or at a chosen time, reschedule, cancel; read after-action reports.

Server-rendered in the four languages of the notifier's pages, without JavaScript; every
form carries a CSRF token (the blueprint of ``pages.py`` protects and renders them).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, redirect, request, url_for
from werkzeug.exceptions import Forbidden, NotFound

from services.notifier.api import escalations
from services.notifier.exercises.service import Cancelled, NoSlot
from services.notifier.exercises.service import NotFound as ExerciseNotFound
from services.notifier.exercises.views import PLANNERS
from services.notifier.i18n import translator
from services.notifier.pages import _local, _person, _render, bp
from shared.auth import current_viewer
from shared.directory.views import sign_in_url

LENGTHS = (60, 90, 120, 180)


def _planner():
    viewer = current_viewer()
    if viewer.anonymous:
        return None, redirect(sign_in_url(url_for("pages.exercises", lang=g.page_lang)))
    if not viewer.has_role(*PLANNERS):
        raise Forbidden()
    return viewer, None


def _back(**args):
    return redirect(url_for("pages.exercises", lang=g.page_lang, **args), 303)


@bp.get("/exercises")
def exercises():
    t = translator()
    viewer, away = _planner()
    if away:
        return away
    person = _person(viewer.person_id)
    zone = ZoneInfo(person.timezone if person else "UTC")
    people = current_app.extensions["accord.directory"].read(
        lambda d: sorted(d.people.values(), key=lambda p: p.name)
    )
    names = {p.id: p.name for p in people}
    rows = [
        {
            "id": r.id,
            "title": r.title,
            "status": t(f"exercises.status.{r.status}"),
            "scheduled": r.status == "scheduled",
            "open": r.status != "cancelled",
            "start": _local(r.start, zone, t) if r.start else "",
            "start_at": r.start.isoformat() if r.start else "",
            "participants": ", ".join(names.get(p, p) for p in r.participants),
            "reason": r.trigger.get("reason", ""),
            "after_action": r.after_action,
        }
        for r in escalations().state.exercise_list()
    ]
    return _render(
        "notifier/exercises.html",
        t,
        exercises=rows,
        people=[{"id": p.id, "name": p.name} for p in people],
        lengths=LENGTHS,
        time_zone=str(zone),
        done=request.args.get("done"),
        error=request.args.get("error"),
    )


@bp.post("/exercises")
def propose_exercise():
    viewer, away = _planner()
    if away:
        return away
    title = (request.form.get("title") or "").strip()
    participants = request.form.getlist("participants")
    known = current_app.extensions["accord.directory"].read(lambda d: set(d.people))
    try:
        minutes = int(request.form.get("duration_minutes", ""))
    except ValueError:
        minutes = 0
    if not title or not participants or not set(participants) <= known or minutes not in LENGTHS:
        return _back(error="invalid")
    escalations().exercises.propose(
        title=title[:200],
        participants=participants,
        duration_minutes=minutes,
        incident_ids=[],
        scenario={"incidents": [], "injects": [], "questions": [], "harm_domains": []},
        organizer={"id": viewer.person_id, "name": viewer.name or ""},
    )
    return _back(done="proposed")


@bp.post("/exercises/<exercise_id>/schedule")
def schedule_exercise(exercise_id: str):
    viewer, away = _planner()
    if away:
        return away
    start = None
    if request.form.get("start"):
        person = _person(viewer.person_id)
        try:
            local = datetime.fromisoformat(request.form["start"])
        except ValueError:
            return _back(error="invalid")
        start = local.replace(tzinfo=ZoneInfo(person.timezone if person else "UTC"))
    try:
        escalations().exercises.schedule(
            exercise_id, start, {"id": viewer.person_id, "name": viewer.name or ""}
        )
    except ExerciseNotFound:
        raise NotFound() from None
    except (Cancelled, NoSlot):
        return _back(error="no-slot")
    return _back(done="scheduled")


@bp.post("/exercises/<exercise_id>/cancel")
def cancel_exercise(exercise_id: str):
    viewer, away = _planner()
    if away:
        return away
    try:
        escalations().exercises.cancel(
            exercise_id, {"id": viewer.person_id, "name": viewer.name or ""}
        )
    except ExerciseNotFound:
        raise NotFound() from None
    return _back(done="cancelled")
