"""Compiled validators generated from marshmallow schemas, for the event codec.

The marshmallow schemas stay the single source of every contract (the OpenAPI documents
and the producers' own checks read them). ``compile_schema`` turns one into a validator
that accepts exactly the JSON documents ``schema.validate`` accepts, at a small fraction
of its cost:

- the structure (objects, required and unknown keys, lists, nulls) and every constraint
  that msgspec states exactly (string, strict integer, length, range, choices, anchored
  patterns) become msgspec types, checked in C by ``msgspec.convert``;
- every other field (dates, URLs, e-mails, floats, booleans, custom fields and callables
  such as a language-tag check) is checked by calling that marshmallow field's own
  ``deserialize``, and ``@validates_schema`` hooks by calling the hook, once the compiled
  part has passed (as marshmallow skips them on field errors). A boolean or a time with an
  offset is first tested by a shortcut that accepts only what the field would accept
  (``_shortcut``); what it does not accept still goes to ``deserialize``, for the verdict
  and the message.

Payloads are only read, never converted: what passes is handed on unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, Optional

import msgspec
from marshmallow import RAISE, Schema, ValidationError, fields, validate


class SchemaError(ValueError):
    """A document the schema refuses; the message names the field's path and the problem."""


@dataclass
class _Checks:
    """The Python checks under one node of the document: only nodes that have any."""

    leaf: Callable[[Any], Any] | None = None  # a marshmallow field's deserialize
    hooks: list[Callable[[dict], Any]] = field(default_factory=list)  # @validates_schema
    properties: dict[str, _Checks] = field(default_factory=dict)
    items: _Checks | None = None
    values: _Checks | None = None

    def __bool__(self) -> bool:
        return bool(self.leaf or self.hooks or self.properties or self.items or self.values)


class _Generator:
    def schema(self, schema: Schema) -> tuple[type, _Checks]:
        hooks = schema._hooks  # marshmallow's registry of decorated methods
        unsupported = [tag for tag, hook in hooks.items() if hook and tag != "validates_schema"]
        if unsupported or any(f.dump_only for f in schema.fields.values()):
            raise NotImplementedError(f"{type(schema).__name__}: {unsupported or 'dump_only'}")
        checks = _Checks(hooks=[_hook(schema, entry) for entry in hooks["validates_schema"]])
        attributes, rename = [], {}
        for name, field_ in schema.load_fields.items():
            key = field_.data_key or name
            attribute = f"f{len(rename)}"  # a key need not be an identifier ("from")
            rename[attribute] = key
            kind, child = self.field(field_)
            attributes.append(
                (attribute, kind) if field_.required else (attribute, kind, msgspec.UNSET)
            )
            if child:
                checks.properties[key] = child
        struct = msgspec.defstruct(
            type(schema).__name__,
            attributes,
            kw_only=True,
            rename=rename,
            forbid_unknown_fields=schema.unknown == RAISE,
        )
        return struct, checks

    def field(self, field_: fields.Field) -> tuple[Any, _Checks]:
        exact = self._exact(field_)
        if exact is None:
            # deserialize does it all, None included.
            return Any, _Checks(leaf=_leaf(field_))
        kind, checks = exact
        return (Optional[kind] if field_.allow_none else kind), checks  # noqa: UP045

    def _exact(self, field_: fields.Field) -> tuple[Any, _Checks] | None:
        """The msgspec type saying exactly what marshmallow checks, or None if none can."""
        kind = type(field_)
        if kind is fields.Nested and not field_.many and field_.unknown in (None, RAISE):
            return self.schema(field_.schema)
        if kind is fields.List:
            items, inner = self.field(field_.inner)
            meta = _meta(field_.validators, list)
            return (
                None
                if meta is None
                else (_annotated(list[items], meta), _Checks(items=inner or None))
            )
        if kind is fields.Dict and not field_.validators:
            if field_.key_field is not None and not _plain_string(field_.key_field):
                return None
            keys = Any if field_.key_field is None else str
            if field_.value_field is None:
                return dict[keys, Any], _Checks()
            values, inner = self.field(field_.value_field)
            return dict[keys, values], _Checks(values=inner or None)
        if kind is fields.Raw and not field_.validators and field_.allow_none:
            return Any, _Checks()
        if kind is fields.String or (kind is fields.Integer and field_.strict):
            base = str if kind is fields.String else int
            choices = [v for v in field_.validators if type(v) is validate.OneOf]
            others = [v for v in field_.validators if type(v) is not validate.OneOf]
            if choices:
                if others or len(choices) > 1 or base is not str:
                    return None
                if not all(isinstance(choice, str) for choice in choices[0].choices):
                    return None
                return Literal[tuple(choices[0].choices)], _Checks()
            meta = _meta(others, base)
            return None if meta is None else (_annotated(base, meta), _Checks())
        return None


def _leaf(field_: fields.Field) -> Callable[[Any], Any]:
    """The check of a field left to marshmallow: its ``deserialize``, after the shortcut."""
    accepts, deserialize = _shortcut(field_), field_.deserialize
    if accepts is None:
        return deserialize

    def leaf(value: Any) -> None:
        if not accepts(value):
            deserialize(value)

    return leaf


def _shortcut(field_: fields.Field) -> Callable[[Any], bool] | None:
    """A test passing only values ``field_`` accepts, at a fraction of deserialize's cost:
    a field class's own ``accepts`` (a custom field's, defined on that very class), else
    one for marshmallow's booleans and aware times without validators."""
    kind = type(field_)
    if field_.validators:
        return None
    if "accepts" in vars(kind):
        return field_.accepts
    if kind is fields.Boolean and (not field_.truthy or True in field_.truthy):
        return boolean if not field_.truthy or False in field_.falsy else None
    if kind is fields.AwareDateTime and field_.format in (None, "iso", "iso8601"):
        return aware_time
    return None


def boolean(value: Any) -> bool:
    """true or false."""
    return value is True or value is False


def aware_time(value: Any) -> bool:
    """An ISO 8601 time with an offset, as ``AwareDateTime`` reads it."""
    if type(value) is not str:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _meta(validators: list, base: type) -> dict | None:
    """msgspec.Meta's arguments for ``validators``; None if one has no exact equivalent."""
    meta: dict[str, Any] = {}

    def put(name: str, value: Any) -> bool:
        if value is None:
            return True
        if name in meta:  # two of a kind: leave the field to marshmallow
            return False
        meta[name] = value
        return True

    for validator in validators:
        if type(validator) is validate.Length and validator.equal is None and base in (str, list):
            ok = put("min_length", validator.min) and put("max_length", validator.max)
        elif type(validator) is validate.Range and base is int:
            ok = put("ge" if validator.min_inclusive else "gt", validator.min) and put(
                "le" if validator.max_inclusive else "lt", validator.max
            )
        elif type(validator) is validate.Regexp and base is str:
            # Anchored: marshmallow matches at the start (re.match), msgspec anywhere.
            ok = validator.regex.flags == re.UNICODE and put(
                "pattern", f"^(?:{validator.regex.pattern})"
            )
        else:
            ok = False
        if not ok:
            return None
    return meta


def _annotated(kind: Any, meta: dict) -> Any:
    return Annotated[kind, msgspec.Meta(**meta)] if meta else kind


def _plain_string(field_: fields.Field) -> bool:
    return type(field_) is fields.String and not field_.validators


def _hook(schema: Schema, entry: tuple) -> Callable[[dict], Any]:
    """Call a ``@validates_schema`` method with the document as given, not as marshmallow
    would load it: the same for a hook that reads fields without a ``data_key`` holding
    strings, numbers, lists and objects of them (as the report's does), not for one that
    reads a date or a float given as a string."""
    name, many, options = entry
    if many:
        raise NotImplementedError(f"{type(schema).__name__}.{name}: pass_collection")
    method = getattr(schema, name)
    if options.get("pass_original"):
        return lambda data: method(data, data, partial=None, many=False, unknown=RAISE)
    return lambda data: method(data, partial=None, many=False, unknown=RAISE)


def _run(checks: _Checks, value: Any, path: tuple) -> None:
    if checks.leaf is not None:
        try:
            checks.leaf(value)
        except ValidationError as error:
            raise SchemaError(f"{_path(path)}: {_words(error.messages)}") from None
        return
    if value is None:
        return
    for key, child in checks.properties.items():
        if key in value:
            _run(child, value[key], (*path, key))
    if checks.items is not None:
        for index, item in enumerate(value):
            _run(checks.items, item, (*path, index))
    if checks.values is not None:
        for key, item in value.items():
            _run(checks.values, item, (*path, key))
    for hook in checks.hooks:
        try:
            hook(value)
        except ValidationError as error:
            where = path if error.field_name == "_schema" else (*path, error.field_name)
            raise SchemaError(f"{_path(where)}: {_words(error.messages)}") from None


def _path(path: tuple) -> str:
    if not path:
        return "(the whole document)"
    return '"' + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)[1:] + '"'


def _words(messages: Any) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{key}: {_words(value)}" for key, value in messages.items())
    if isinstance(messages, list):
        return " ".join(_words(message) for message in messages)
    return str(messages)


_AT = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>.*)`)?$", re.DOTALL)
_KEY = re.compile(r"^Object (?P<what>missing required|contains unknown) field `(?P<key>.*)`$")


def _explain(error: msgspec.ValidationError) -> str:
    """msgspec's message in the form of the others: the quoted path, then the problem."""
    parts = _AT.match(str(error))
    path, problem = (parts["path"] or "").removeprefix("."), parts["problem"]
    if key := _KEY.match(problem):
        path = f"{path}.{key['key']}" if path else key["key"]
        problem = "missing required field" if key["what"] == "missing required" else "unknown field"
    return f'"{path}": {problem}' if path else f"(the whole document): {problem}"


def compile_schema(schema: Schema) -> Callable[[Any], None]:
    """A validator raising ``SchemaError`` for exactly what ``schema.validate`` refuses."""
    struct, checks = _Generator().schema(schema)

    def check(data: Any) -> None:
        try:
            msgspec.convert(data, struct)
        except msgspec.ValidationError as error:
            raise SchemaError(_explain(error)) from None
        if checks:
            _run(checks, data, ())

    return check
