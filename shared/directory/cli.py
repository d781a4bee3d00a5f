"""``accord org|person|account|role|key``: the directory's commands.

Each command reads the directory from the bus (ACCORD_BUS, ACCORD_DATA_DIR, as the services
do), checks the change against it (``service``) and publishes the event; every service's
projection applies it within seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from shared import bus as buses
from shared.access import ROLES
from shared.bus.interfaces import Bus
from shared.directory import service
from shared.directory.events import CHANNEL_KINDS
from shared.directory.models import Channel, WorkingHours
from shared.directory.projection import Directory, DirectoryProjection, publish
from shared.envelope import Envelope, utcnow
from shared.settings import Settings
from shared.topics import all_topics


@dataclass
class Context:
    settings: Settings
    bus: Bus
    directory: Directory

    def publish(self, *envelopes: Envelope) -> None:
        producer = self.bus.producer()
        try:
            publish(producer, self.settings.topic_prefix, envelopes)
        finally:
            producer.close()


@contextmanager
def opened(settings: Settings) -> Iterator[Context]:
    bus = buses.connect(settings)
    try:
        bus.create_topics(all_topics(settings.topic_prefix))
        projection = DirectoryProjection()
        projection.load(bus, settings.topic_prefix)
        yield Context(settings, bus, projection.read(lambda d: d))
    finally:
        bus.close()


def _command(run: Callable[[Context, argparse.Namespace], None]):
    """Run ``run`` against the directory; a refusal is one line on stderr and exit 1."""

    def func(args: argparse.Namespace) -> int:
        with opened(Settings.from_env()) as context:
            try:
                run(context, args)
            except service.DirectoryError as exc:
                print(f"accord: {exc}", file=sys.stderr)
                return 1
        return 0

    return func


# --- organizations ----------------------------------------------------------------------


def org_add(c: Context, args: argparse.Namespace) -> None:
    event = service.add_organization(c.directory, name=args.name, member=not args.not_member)
    c.publish(event)
    print(event.payload["organization_id"])


def org_list(c: Context, _: argparse.Namespace) -> None:
    for org in sorted(c.directory.organizations.values(), key=lambda o: o.name.casefold()):
        print(f"{org.id}\t{org.name}\t{'member' if org.member else 'not a member'}")


# --- people and service accounts --------------------------------------------------------


def _hours(text: str) -> tuple[str, str]:
    start, sep, end = text.partition("-")
    if not sep:
        raise argparse.ArgumentTypeError("give working hours as HH:MM-HH:MM, e.g. 09:00-17:30")
    return start.strip(), end.strip()


def _days(text: str) -> tuple[int, ...]:
    try:
        first, _, last = text.partition("-")
        days = tuple(range(int(first), int(last or first) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError("give ISO weekdays as N-M, e.g. 1-5") from None
    return days


def _channel(text: str) -> Channel:
    kind, sep, target = text.partition(":")
    if not sep or kind not in CHANNEL_KINDS or not target:
        raise argparse.ArgumentTypeError(
            f"give a channel as KIND:TARGET, KIND one of {', '.join(CHANNEL_KINDS)}"
        )
    return Channel(kind=kind, target=target)


def person_add(c: Context, args: argparse.Namespace) -> None:
    start, end = args.hours
    event = service.add_person(
        c.directory,
        name=args.name,
        email=args.email,
        organization_id=service.organization(c.directory, args.org),
        roles=args.role,
        timezone=args.timezone,
        working_hours=WorkingHours(start=start, end=end, days=args.days),
        channels=[Channel(kind="email", target=args.email), *args.channel],
    )
    c.publish(event)
    print(event.payload["person_id"])


def person_list(c: Context, _: argparse.Namespace) -> None:
    for person in sorted(c.directory.people.values(), key=lambda p: p.email.casefold()):
        org = c.directory.organizations[person.organization_id]
        roles = ",".join(sorted(person.roles)) or "-"
        password = "password set" if person.password_hash else "no password"
        print(f"{person.id}\t{person.email}\t{person.name}\t{org.name}\t{roles}\t{password}")


def person_password_link(c: Context, args: argparse.Namespace) -> None:
    person = service.principal(c.directory, args.person)
    event, token = service.issue_password_link(c.directory, person_id=person.id, now=utcnow())
    c.publish(event)
    print(f"{c.settings.intake_url}/set-password/{token}")
    print(
        f"one-time link for {person.email}, valid until {event.payload['expires_at']}",
        file=sys.stderr,
    )


def account_add(c: Context, args: argparse.Namespace) -> None:
    event = service.add_service_account(
        c.directory,
        name=args.name,
        organization_id=service.organization(c.directory, args.org),
        roles=args.role,
    )
    c.publish(event)
    print(event.payload["account_id"])


# --- roles and keys ---------------------------------------------------------------------


def role_change(c: Context, args: argparse.Namespace) -> None:
    holder = service.principal(c.directory, args.principal)
    c.publish(
        service.change_role(
            c.directory, principal_id=holder.id, role=args.role, grant=args.action == "grant"
        )
    )
    print(f"{args.action}ed {args.role} {'to' if args.action == 'grant' else 'from'} {holder.name}")


def key_create(c: Context, args: argparse.Namespace) -> None:
    owner = service.principal(c.directory, args.owner)
    event, plain = service.create_key(
        c.directory, owner_id=owner.id, label=args.label, now=utcnow()
    )
    c.publish(event)
    print(plain)
    print(
        f"key id {event.payload['key_id']} for {owner.name}; store it now, it is not kept",
        file=sys.stderr,
    )


def key_list(c: Context, _: argparse.Namespace) -> None:
    for key in sorted(c.directory.keys.values(), key=lambda k: k.created_at):
        owner = c.directory.principal(key.owner_id)
        state = f"revoked {key.revoked_at}" if key.revoked_at else "active"
        print(
            f"{key.id}\t{owner.name if owner else key.owner_id}\t{key.label}\t"
            f"created {key.created_at}\t{state}"
        )


def key_revoke(c: Context, args: argparse.Namespace) -> None:
    c.publish(service.revoke_key(c.directory, key_id=args.key_id, now=utcnow()))
    print(f"revoked {args.key_id}")


def register(commands: argparse._SubParsersAction) -> None:
    org = commands.add_parser("org", help="organizations").add_subparsers(required=True)
    p = org.add_parser("add", help="add an organization; prints its id")
    p.add_argument("name")
    p.add_argument("--not-member", action="store_true", help="e.g. a regulator")
    p.set_defaults(func=_command(org_add))
    org.add_parser("list", help="list organizations").set_defaults(func=_command(org_list))

    person = commands.add_parser("person", help="people").add_subparsers(required=True)
    p = person.add_parser("add", help="add a person; prints their id")
    p.add_argument("--name", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--org", required=True, help="organization id or name")
    p.add_argument("--role", action="append", default=[], choices=ROLES)
    p.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Europe/London")
    p.add_argument("--hours", type=_hours, default=("09:00", "17:00"), help="HH:MM-HH:MM")
    p.add_argument("--days", type=_days, default=(1, 2, 3, 4, 5), help="ISO weekdays, e.g. 1-5")
    p.add_argument(
        "--channel", action="append", type=_channel, default=[], help="KIND:TARGET (repeat)"
    )
    p.set_defaults(func=_command(person_add))
    person.add_parser("list", help="list people").set_defaults(func=_command(person_list))
    p = person.add_parser(
        "password-link", help="print a one-time link to set a password (valid 3 days)"
    )
    p.add_argument("person", help="person id or e-mail")
    p.set_defaults(func=_command(person_password_link))

    account = commands.add_parser("account", help="service accounts").add_subparsers(required=True)
    p = account.add_parser("add", help="add a service account; prints its id")
    p.add_argument("--name", required=True)
    p.add_argument("--org", required=True, help="organization id or name")
    p.add_argument("--role", action="append", default=[], choices=ROLES)
    p.set_defaults(func=_command(account_add))

    role = commands.add_parser("role", help="grant or revoke roles").add_subparsers(
        required=True, dest="action"
    )
    for action in ("grant", "revoke"):
        p = role.add_parser(action, help=f"{action} a role")
        p.add_argument("principal", help="person id or e-mail, or service account id")
        p.add_argument("role", choices=ROLES)
        p.set_defaults(func=_command(role_change))

    key = commands.add_parser("key", help="API keys").add_subparsers(required=True)
    p = key.add_parser("create", help="create a key and print it (shown once)")
    p.add_argument("owner", help="person id or e-mail, or service account id")
    p.add_argument("--label", default="", help="what the key is for")
    p.set_defaults(func=_command(key_create))
    key.add_parser("list", help="list keys (never their secrets)").set_defaults(
        func=_command(key_list)
    )
    p = key.add_parser("revoke", help="revoke a key by its id")
    p.add_argument("key_id")
    p.set_defaults(func=_command(key_revoke))
