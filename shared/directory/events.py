"""The directory's events: their types and payload schemas (``shared.events`` registers them).

Every change to the directory is one of these on the ``directory`` topic; the projection
(``projection``) is rebuilt from them. Payloads name everything by id.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.access import ROLES

ORGANIZATION_ADDED = "organization.added"
PERSON_ADDED = "person.added"
SERVICE_ACCOUNT_ADDED = "service_account.added"
ROLE_GRANTED = "role.granted"
ROLE_REVOKED = "role.revoked"
API_KEY_CREATED = "api_key.created"
API_KEY_REVOKED = "api_key.revoked"
PASSWORD_LINK_ISSUED = "password_link.issued"
PASSWORD_SET = "password.set"

CHANNEL_KINDS = ("email", "slack", "webhook", "pagerduty", "sms")
NAME_MAX = 200
_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_SHA256 = validate.Regexp(r"^[0-9a-f]{64}$")
_name = validate.Length(min=1, max=NAME_MAX)


def _id() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=64))


def _roles() -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)


class OrganizationAdded(Schema):
    organization_id = _id()
    name = fields.String(required=True, validate=_name)
    member = fields.Boolean(required=True)


class WorkingHoursSchema(Schema):
    start = fields.String(required=True, validate=validate.Regexp(_HHMM))
    end = fields.String(required=True, validate=validate.Regexp(_HHMM))
    days = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=7)),
        required=True,
        validate=validate.Length(min=1, max=7),
    )


class ChannelSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(CHANNEL_KINDS))
    target = fields.String(required=True, validate=validate.Length(min=1, max=2048))


class PersonAdded(Schema):
    person_id = _id()
    organization_id = _id()
    name = fields.String(required=True, validate=_name)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    timezone = fields.String(required=True, validate=validate.Length(min=1, max=64))
    working_hours = fields.Nested(WorkingHoursSchema, required=True)
    channels = fields.List(fields.Nested(ChannelSchema), required=True)
    roles = _roles()


class ServiceAccountAdded(Schema):
    account_id = _id()
    organization_id = _id()
    name = fields.String(required=True, validate=_name)
    roles = _roles()


class RoleChanged(Schema):
    principal_id = _id()  # a person or a service account
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class ApiKeyCreated(Schema):
    key_id = _id()
    sha256 = fields.String(required=True, validate=_SHA256)
    owner_id = _id()
    label = fields.String(required=True, validate=validate.Length(max=NAME_MAX))
    created_at = fields.AwareDateTime(required=True)


class ApiKeyRevoked(Schema):
    key_id = _id()
    revoked_at = fields.AwareDateTime(required=True)


class PasswordLinkIssued(Schema):
    person_id = _id()
    link_sha256 = fields.String(required=True, validate=_SHA256)
    expires_at = fields.AwareDateTime(required=True)


class PasswordSet(Schema):
    person_id = _id()
    # An argon2id hash (PHC string), never the password; the topic is as secret as a
    # user table.
    password_hash = fields.String(
        required=True, validate=[validate.Length(max=512), validate.Regexp(r"^\$argon2id\$")]
    )
    # The one-time link it was set through, used up by this event.
    link_sha256 = fields.String(required=True, validate=_SHA256)


PAYLOAD_SCHEMAS: dict[tuple[str, int], Schema] = {
    (ORGANIZATION_ADDED, 1): OrganizationAdded(),
    (PERSON_ADDED, 1): PersonAdded(),
    (SERVICE_ACCOUNT_ADDED, 1): ServiceAccountAdded(),
    (ROLE_GRANTED, 1): RoleChanged(),
    (ROLE_REVOKED, 1): RoleChanged(),
    (API_KEY_CREATED, 1): ApiKeyCreated(),
    (API_KEY_REVOKED, 1): ApiKeyRevoked(),
    (PASSWORD_LINK_ISSUED, 1): PasswordLinkIssued(),
    (PASSWORD_SET, 1): PasswordSet(),
}
