"""The demo collaboration ``make run`` seeds on its first start (embedded profile): two labs
and the collaboration's secretariat, one person per role, each with an API key and a
password, so a newcomer can try every role.

The identities go through the same commands and events as ``accord`` (``service``); the
plain keys and passwords exist only in the printed lines, which are kept in the data
folder (``demo-identities``, mode 600) and printed again on later starts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from shared.access import ADMIN, COORDINATOR, ONCALL, REPORTER, RISK_OWNER
from shared.directory import service
from shared.directory.cli import opened
from shared.directory.models import Channel, WorkingHours
from shared.directory.projection import Directory
from shared.envelope import Envelope, utcnow
from shared.settings import Settings

FILE = "demo-identities"
PRODUCER = "demo-seed"


@dataclass(frozen=True)
class DemoPerson:
    variable: str  # ACCORD_KEY_<variable>
    organization: str
    name: str
    email: str
    role: str
    timezone: str


LABS = ("Lab A", "Lab B")
SECRETARIAT = "Accord Secretariat"
PEOPLE = (
    DemoPerson("LAB_A", "Lab A", "Ada Reyes", "ada@lab-a.example", REPORTER, "Europe/London"),
    DemoPerson("LAB_B", "Lab B", "Bo Chen", "bo@lab-b.example", REPORTER, "America/New_York"),
    DemoPerson(
        "RISK_OWNER", SECRETARIAT, "Rosa Okafor", "rosa@accord.example", RISK_OWNER, "Europe/Paris"
    ),
    DemoPerson(
        "COORDINATOR",
        SECRETARIAT,
        "Carl Weber",
        "carl@accord.example",
        COORDINATOR,
        "Europe/Berlin",
    ),
    DemoPerson("ONCALL", SECRETARIAT, "Oki Tanaka", "oki@accord.example", ONCALL, "Asia/Tokyo"),
    DemoPerson("ADMIN", SECRETARIAT, "Amal Haddad", "amal@accord.example", ADMIN, "UTC"),
)


def seed(settings: Settings) -> list[str]:
    """The lines to print for the demo identities, seeding them on the first call."""
    path = settings.data_dir / FILE
    if not path.exists():
        lines = _seed(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o600)
    return path.read_text().splitlines()


def _seed(settings: Settings) -> list[str]:
    exports, sign_ins = [], []
    with opened(settings) as context:
        directory, events = context.directory, []

        def add(event: Envelope) -> Envelope:
            directory.apply(event)
            events.append(event)
            return event

        org_ids = {
            name: add(
                service.add_organization(directory, name=name, member=True, producer=PRODUCER)
            ).payload["organization_id"]
            for name in (*LABS, SECRETARIAT)
        }
        for who in PEOPLE:
            person_id = add(
                service.add_person(
                    directory,
                    name=who.name,
                    email=who.email,
                    organization_id=org_ids[who.organization],
                    roles=[who.role],
                    timezone=who.timezone,
                    working_hours=WorkingHours(),
                    channels=[Channel(kind="email", target=who.email)],
                    producer=PRODUCER,
                )
            ).payload["person_id"]
            key_event, plain = service.create_key(
                directory, owner_id=person_id, label="demo", now=utcnow(), producer=PRODUCER
            )
            add(key_event)
            password = secrets.token_urlsafe(12)
            link_event, token = service.issue_password_link(
                directory, person_id=person_id, now=utcnow(), producer=PRODUCER
            )
            add(link_event)
            add(
                service.set_password(
                    directory.people[person_id], token=token, password=password, producer=PRODUCER
                )
            )
            exports.append(f"export ACCORD_KEY_{who.variable}={plain}")
            if who.variable == "LAB_A":
                exports.append(f"export ACCORD_KEY={plain}")  # the name earlier demos used
            sign_ins.append(
                f"  {who.email:<22} {password}  ({who.organization}, {who.role.replace('_', ' ')})"
            )
        context.publish(*events)
    return [
        "# Demo identities: one key per role (Lab A's also as ACCORD_KEY)",
        *exports,
        f"# Sign in at {settings.intake_url}/sign-in with one of these e-mails and passwords:",
        *sign_ins,
    ]


def lab_key_events(directory: Directory, organization: str) -> tuple[list[Envelope], str]:
    """A member lab with a reporter service account and its key (benchmarks, trials)."""
    events = []
    for make in (
        lambda: service.add_organization(
            directory, name=organization, member=True, producer=PRODUCER
        ),
        lambda: service.add_service_account(
            directory,
            name=f"{organization} pipeline",
            organization_id=events[0].payload["organization_id"],
            roles=[REPORTER],
            producer=PRODUCER,
        ),
    ):
        events.append(make())
        directory.apply(events[-1])
    key_event, plain = service.create_key(
        directory, owner_id=events[1].payload["account_id"], label="", now=utcnow()
    )
    directory.apply(key_event)
    return [*events, key_event], plain


def lab_key(settings: Settings, organization: str) -> str:
    """``lab_key_events`` published on the settings' bus; returns the plain key."""
    with opened(settings) as context:
        events, plain = lab_key_events(context.directory, organization)
        context.publish(*events)
    return plain
