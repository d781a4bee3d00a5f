"""The shared incident report, version 1.1.

``ReportInputSchema`` checks the shape of what a channel hands over (types, lengths,
formats, unknown fields) and leaves values as given: ``shared.normalize`` maps them onto
the vocabularies and decides which fields are required. ``ReportV1Schema`` is the contract
of a normalized report; ``AcceptedReportSchema`` adds what intake assigns, and is what the
``report.accepted`` event carries.

Version 1.1 only adds optional fields (grouped at the end of ``ReportV1Schema``), so every
v1 report is a valid v1.1 report; a v1.1 report says so in ``schema_version``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import langcodes
import pycountry
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared import vocab
from shared.compiled_schema import aware_time, boolean

EVENT_TYPES = vocab.load("event_types").ids
SEVERITIES = vocab.load("severity").ids
TLP_LEVELS = vocab.load("tlp").ids
CHANNELS = ("api", "form", "bulk")
COUNTRIES = tuple(sorted(country.alpha_2 for country in pycountry.countries))
CURRENCIES = tuple(sorted(currency.alpha_3 for currency in pycountry.currencies))
HARM_DOMAINS = tuple(
    t.id for t in vocab.load("mit_risk_domains").terms if t.data["level"] == "domain"
)
HARM_SUBDOMAINS = tuple(
    t.id for t in vocab.load("mit_risk_domains").terms if t.data["level"] == "subdomain"
)
SCHEMA_VERSION = "1.1"
SOURCE_FORMATS = ("aiid", "aiaaic", "avid")  # the public datasets a source record names
# Where a decision's value came from, when not from the report as given (v1.1).
BASES = ("source", "derived", "suggested")

TITLE_MAX = 300
DESCRIPTION_MAX = 20_000
NAME_MAX = 200  # organizations, people, AI systems
LIST_MAX = 250  # entries in a list field (countries, harm types, ...)
TERM_MAX = 300  # one entry of such a list, or a scalar such as a severity or a date
URL_MAX = 2048
QUANTITY_MAX = 10**10  # people or lives: more than live on Earth is a typo
SHA256 = r"^[0-9a-f]{64}$"


def _text(limit: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=limit), **kwargs)


def _input_text(limit: int, **kwargs) -> fields.String:
    # No minimum: the normalizer drops blank values first, so a blank title is "missing".
    return fields.String(validate=validate.Length(max=limit), **kwargs)


_at_most_list = validate.Length(max=LIST_MAX)
_count = validate.Range(min=0, max=QUANTITY_MAX)


def _terms(choices: tuple[str, ...]) -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(choices)), validate=_at_most_list)


# Shapes shared by the input and the v1 report.


class ContactSchema(Schema):
    name = _text(NAME_MAX)
    email = fields.Email(validate=validate.Length(max=254))


class AISystemSchema(Schema):
    name = _text(NAME_MAX)
    developer = _text(NAME_MAX)
    deployer = _text(NAME_MAX)
    version = _text(NAME_MAX)
    modality = _text(NAME_MAX)


class _CausesInput(Schema):
    """The MIT AI Risk Repository's causal taxonomy, as given (v1.1)."""

    entity = _input_text(TERM_MAX)
    intent = _input_text(TERM_MAX)
    timing = _input_text(TERM_MAX)


# What a channel hands over.


class _Scalar(fields.Field):
    """A string or an integer: a severity may be "SEV1" or 4, a date "2025" or 2025."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Not a valid string or integer.",
        "too_long": f"Longer than maximum length {TERM_MAX}.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.make_error("invalid")
        if isinstance(value, str) and len(value) > TERM_MAX:
            raise self.make_error("too_long")
        return value


class _StringOrList(fields.Field):
    """A list of strings, or one string that the normalizer splits (a spreadsheet cell)."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Not a valid string or list of strings.",
        "too_many": f"More than {LIST_MAX} entries.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            entries = [value]
        elif isinstance(value, list):
            entries = value
        else:
            raise self.make_error("invalid")
        if len(entries) > LIST_MAX:
            raise self.make_error("too_many")
        errors = {
            index: ["Not a valid string."]
            if not isinstance(entry, str)
            else [f"Longer than maximum length {TERM_MAX}."]
            for index, entry in enumerate(entries)
            if not isinstance(entry, str) or len(entry) > TERM_MAX
        }
        if errors:
            raise ValidationError(errors if isinstance(value, list) else errors[0])
        return value


class _FinancialCostInput(Schema):
    amount = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0))
    currency = _input_text(TERM_MAX, required=True)


class _QuantitiesInput(Schema):
    people_affected = fields.Integer(strict=True, validate=_count)
    lives_lost = fields.Integer(strict=True, validate=_count)
    injuries = fields.Integer(strict=True, validate=_count)
    financial_cost = fields.Nested(_FinancialCostInput)


class _EvidenceInput(Schema):
    sha256 = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9a-fA-F]{64}$", error="Not a SHA-256 hex digest."),
    )
    description = _input_text(2000)


class ReportInputSchema(Schema):
    """The lenient shape every channel produces; no field is required here."""

    title = _input_text(TITLE_MAX)
    description = _input_text(DESCRIPTION_MAX)
    language = _input_text(35)
    event_type = _input_text(TERM_MAX)
    severity = _Scalar()
    likelihood = _Scalar()
    impact = _Scalar()
    occurred_at = _Scalar()
    detected_at = _Scalar()
    reported_at = _Scalar()
    timezone = _input_text(64)
    countries = _StringOrList()
    reporting_organization = _input_text(NAME_MAX)
    contact = fields.Nested(ContactSchema)
    ai_system = fields.Nested(AISystemSchema)
    harm_domains = _StringOrList()
    harm_subdomains = _StringOrList()
    harm_types = _StringOrList()
    affected_parties = _StringOrList()
    quantities = fields.Nested(_QuantitiesInput)
    references = fields.List(
        fields.Url(
            schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=URL_MAX)
        ),
        validate=_at_most_list,
    )
    evidence = fields.List(fields.Nested(_EvidenceInput), validate=_at_most_list)
    tlp = _input_text(TERM_MAX)
    jurisdictions = _StringOrList()
    # v1.1
    causes = fields.Nested(_CausesInput)
    critical_infrastructure = fields.Boolean()  # true, or a spreadsheet's "yes"


# The normalized report.


class _UTC(fields.AwareDateTime):
    default_error_messages: ClassVar[dict[str, str]] = {"not_utc": "Not in UTC."}

    @staticmethod
    def accepts(value: Any) -> bool:
        """The compiled validator's shortcut: a time with an offset of zero."""
        return aware_time(value) and not datetime.fromisoformat(value).utcoffset()

    def _deserialize(self, value, attr, data, **kwargs):
        when = super()._deserialize(value, attr, data, **kwargs)
        if when.utcoffset():
            raise self.make_error("not_utc")
        return when


class _Decision(Schema):
    field = fields.String(required=True)
    original = fields.Raw(required=True, allow_none=True)
    normalized = fields.Raw(required=True, allow_none=True)
    rule = fields.String(required=True)
    # v1.1: set when the value is not the report's own: joined from a source dataset's
    # classification file, derived by a rule, or suggested by a model.
    basis = fields.String(validate=validate.OneOf(BASES))


class _Flag(Schema):
    field = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True)
    reason = fields.String(required=True)


class ProvenanceSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    source_format = fields.String(required=True, validate=validate.Length(min=1))
    payload_sha256 = fields.String(required=True, validate=validate.Regexp(SHA256))
    normalizer_version = fields.String(required=True)
    vocabulary_versions = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    decisions = fields.List(fields.Nested(_Decision), required=True)
    flags = fields.List(fields.Nested(_Flag), required=True)


class _FinancialCost(Schema):
    amount = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0))
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))


class _Quantities(Schema):
    people_affected = fields.Integer(strict=True, validate=_count)
    lives_lost = fields.Integer(strict=True, validate=_count)
    injuries = fields.Integer(strict=True, validate=_count)
    financial_cost = fields.Nested(_FinancialCost)


class _Evidence(Schema):
    sha256 = fields.String(required=True, validate=validate.Regexp(SHA256))
    description = _text(2000)


# v1.1 shapes.


class _StrictBoolean(fields.Boolean):
    """true or false, not 1 or "yes": a normalized report holds JSON booleans."""

    accepts = staticmethod(boolean)  # the compiled validator's shortcut

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class SourceRecordSchema(Schema):
    """The record of a public dataset a report was imported from."""

    format = fields.String(required=True, validate=validate.OneOf(SOURCE_FORMATS))
    id = _text(NAME_MAX)  # the source's own id: "4" (AIID), "AIAAIC2152", "AVID-2022-R0001"
    url = fields.Url(schemes={"http", "https"}, require_tld=False)  # the source's page for it


class CausesSchema(Schema):
    """Who or what caused the risk, with what intent, and when: the MIT causal taxonomy."""

    entity = fields.String(validate=validate.OneOf(vocab.load("mit_entity").ids))
    intent = fields.String(validate=validate.OneOf(vocab.load("mit_intent").ids))
    timing = fields.String(validate=validate.OneOf(vocab.load("mit_timing").ids))


class SeverityDerivationSchema(Schema):
    """Present only when ``severity`` was derived by a rule, not given."""

    rule = fields.String(required=True)  # the rule's id in the severity vocabulary
    reason = fields.String(required=True)


def _suggested(choices: tuple[str, ...]) -> fields.List:
    class _Suggested(Schema):
        id = fields.String(required=True, validate=validate.OneOf(choices))
        confidence = fields.Float(required=True, validate=validate.Range(min=0, max=1))

    return fields.List(fields.Nested(_Suggested), required=True, validate=_at_most_list)


class SuggestionsSchema(Schema):
    """Harm domains a model suggests for a report that gives none: never the report's own
    ``harm_domains``, most confident first."""

    model = fields.String(required=True)
    harm_domains = _suggested(HARM_DOMAINS)
    harm_subdomains = _suggested(HARM_SUBDOMAINS)


def _language_tag(tag: str) -> None:
    if not langcodes.tag_is_valid(tag):
        raise ValidationError("Not a BCP 47 language tag.")


class ReportV1Schema(Schema):
    """A normalized report: canonical terms, ISO codes, UTC times, and its provenance."""

    title = _text(TITLE_MAX, required=True)
    description = _text(DESCRIPTION_MAX, required=True)
    language = fields.String(required=True, validate=_language_tag)
    event_type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    likelihood = fields.Integer(strict=True, validate=validate.Range(min=1, max=5))
    impact = fields.Integer(strict=True, validate=validate.Range(min=1, max=5))
    occurred_at = _UTC()
    detected_at = _UTC()
    reported_at = _UTC()
    timezone = fields.String()  # where the event happened: an IANA name, "UTC" or an offset
    countries = _terms(COUNTRIES)
    reporting_organization = _text(NAME_MAX, required=True)
    contact = fields.Nested(ContactSchema)
    ai_system = fields.Nested(AISystemSchema)
    harm_domains = _terms(HARM_DOMAINS)
    harm_subdomains = _terms(HARM_SUBDOMAINS)
    harm_types = _terms(vocab.load("harm_types").ids)
    affected_parties = _terms(vocab.load("affected_parties").ids)
    quantities = fields.Nested(_Quantities)
    references = fields.List(
        fields.Url(schemes={"http", "https"}, require_tld=False), validate=_at_most_list
    )
    evidence = fields.List(fields.Nested(_Evidence), validate=_at_most_list)
    tlp = fields.String(required=True, validate=validate.OneOf(TLP_LEVELS))
    jurisdictions = _terms(vocab.load("jurisdictions").ids)
    # v1.1: all optional, so a v1 report validates.
    schema_version = fields.String(validate=validate.OneOf(("1.1",)))  # absent: version 1
    source = fields.Nested(SourceRecordSchema)
    causes = fields.Nested(CausesSchema)
    critical_infrastructure = _StrictBoolean()  # disrupted, or imminently threatened
    severity_derivation = fields.Nested(SeverityDerivationSchema)
    suggestions = fields.Nested(SuggestionsSchema)
    provenance = fields.Nested(ProvenanceSchema, required=True)

    @validates_schema
    def _subdomains_have_their_domain(self, data, **kwargs):
        mit = vocab.load("mit_risk_domains")
        implied = {mit.term(sub).data["domain"] for sub in data.get("harm_subdomains", [])}
        missing = sorted(implied - set(data.get("harm_domains", [])))
        if missing:
            raise ValidationError(
                f"Subdomains of domains {', '.join(missing)}, which are not listed.",
                "harm_domains",
            )


# Who filed a report and who may read it: ids from the directory (shared.directory), which
# the registry's access rules read. Optional in the schema only because reports accepted
# before the directory lack them; intake sets every one.

_PRINCIPAL_ID = validate.Length(min=1, max=64)


class ReportSharingInputSchema(Schema):
    """What a reporter may say, beside the report, about who reads it."""

    # People (directory ids) who may read a TLP:RED report; the submitter is always added.
    recipients = fields.List(
        fields.String(validate=_PRINCIPAL_ID), validate=validate.Length(max=LIST_MAX)
    )
    # Opt-in to naming the submitting organization in the public view.
    publish_organization = _StrictBoolean()


class _AttributionSchema(ReportSharingInputSchema):
    # The submitter's organization; None for an anonymous report from the web form.
    organization_id = fields.String(allow_none=True, validate=_PRINCIPAL_ID)
    # True when a key or a signed-in session vouches for organization_id; an anonymous
    # report is never attributed to the organization it names.
    verified = _StrictBoolean()


class AcceptedReportSchema(ReportV1Schema, _AttributionSchema):
    """A report as intake accepted it: the normalized report plus what intake assigned."""

    id = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-HJKMNP-TV-Z]{26}$"))
    received_at = _UTC(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    # The person or service account whose credentials sent it (before the directory: the
    # organization's name); None for an anonymous report.
    submitted_by = fields.String(
        required=True, allow_none=True, validate=validate.Length(min=1, max=NAME_MAX)
    )
