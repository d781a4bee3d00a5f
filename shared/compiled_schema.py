"""Compiled validators generated from marshmallow schemas, for the event codec.

The marshmallow schemas stay the single source of every contract (the OpenAPI documents
and the producers' own checks read them). ``compile_schema`` turns one into a validator
that accepts exactly the JSON documents ``schema.validate`` accepts, at a small fraction
of its cost:

- the structure (objects, required and unknown keys, lists, nulls) and every constraint
  JSON Schema states exactly (string, strict integer, length, range, choices, anchored
  patterns) become a draft-04 JSON Schema compiled to Python by fastjsonschema;
- every other field (dates, URLs, e-mails, floats, booleans, custom fields and callables
  such as a language-tag check) is checked by calling that marshmallow field's own
  ``deserialize``, and ``@validates_schema`` hooks by calling the hook, once the compiled
  part has passed (as marshmallow skips them on field errors).

Payloads are only read, never converted: what passes is handed on unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import fastjsonschema
from marshmallow import RAISE, Schema, ValidationError, fields, validate

# A choice list longer than this is checked by one set lookup (a custom format) instead of
# fastjsonschema's chain of comparisons, one per choice.
_SET_LOOKUP_FROM = 8


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
    def __init__(self) -> None:
        self.formats: dict[str, Callable[[str], bool]] = {}

    def schema(self, schema: Schema) -> tuple[dict, _Checks]:
        hooks = schema._hooks  # marshmallow's registry of decorated methods
        unsupported = [tag for tag, hook in hooks.items() if hook and tag != "validates_schema"]
        if unsupported or any(f.dump_only for f in schema.fields.values()):
            raise NotImplementedError(f"{type(schema).__name__}: {unsupported or 'dump_only'}")
        checks = _Checks(hooks=[_hook(schema, entry) for entry in hooks["validates_schema"]])
        properties, required = {}, []
        for name, field_ in schema.load_fields.items():
            key = field_.data_key or name
            properties[key], child = self.field(field_)
            if child:
                checks.properties[key] = child
            if field_.required:
                required.append(key)
        definition = {
            "type": "object",
            "properties": properties,
            "additionalProperties": schema.unknown != RAISE,
        }
        if required:
            definition["required"] = required
        return definition, checks

    def field(self, field_: fields.Field) -> tuple[dict, _Checks]:
        definition = self._exact(field_)
        if definition is None:
            # deserialize does it all, None included.
            return {}, _Checks(leaf=field_.deserialize)
        if isinstance(definition, tuple):
            definition, checks = definition
        else:
            checks = _Checks()
        return _nullable(definition, field_.allow_none), checks

    def _exact(self, field_: fields.Field) -> dict | tuple[dict, _Checks] | None:
        """The JSON Schema saying exactly what marshmallow checks, or None if it cannot."""
        kind = type(field_)
        if kind is fields.Nested and not field_.many and field_.unknown in (None, RAISE):
            return self.schema(field_.schema)
        if kind is fields.List:
            items, inner = self.field(field_.inner)
            definition = {"type": "array", "items": items}
            if not self._constrain(definition, field_.validators, "Items"):
                return None
            return definition, _Checks(items=inner or None)
        if kind is fields.Dict and not field_.validators:
            if field_.key_field is not None and not _plain_string(field_.key_field):
                return None
            definition: dict = {"type": "object"}
            if field_.value_field is None:
                return definition
            definition["additionalProperties"], values = self.field(field_.value_field)
            return definition, _Checks(values=values or None)
        if kind is fields.Raw and not field_.validators:
            return {}
        if kind is fields.String or (kind is fields.Integer and field_.strict):
            definition = {"type": "string" if kind is fields.String else "integer"}
            return definition if self._constrain(definition, field_.validators, "Length") else None
        return None

    def _constrain(self, definition: dict, validators: list, length: str) -> bool:
        """Add each validator to ``definition``; False if one has no exact equivalent."""
        for validator in validators:
            if type(validator) is validate.Length and validator.equal is None:
                _set(definition, f"min{length}", validator.min)
                _set(definition, f"max{length}", validator.max)
            elif type(validator) is validate.Range and definition["type"] == "integer":
                for bound, value, inclusive in (
                    ("minimum", validator.min, validator.min_inclusive),
                    ("maximum", validator.max, validator.max_inclusive),
                ):
                    if value is not None:
                        _set(definition, bound, value)
                        if not inclusive:
                            definition["exclusive" + bound.capitalize()] = True
            elif type(validator) is validate.Regexp and definition["type"] == "string":
                if validator.regex.flags != re.UNICODE:
                    return False
                # Anchored: marshmallow matches at the start (re.match), JSON Schema anywhere.
                _set(definition, "pattern", f"^(?:{validator.regex.pattern})")
            elif type(validator) is validate.OneOf and definition["type"] == "string":
                choices = list(validator.choices)
                if not all(isinstance(choice, str) for choice in choices):
                    return False
                if len(choices) < _SET_LOOKUP_FROM:
                    _set(definition, "enum", choices)
                else:
                    _set(definition, "format", self._choices(frozenset(choices)))
            else:
                return False
        return True

    def _choices(self, choices: frozenset[str]) -> str:
        name = f"one of {len(choices)} choices #{len(self.formats)}"
        self.formats[name] = choices.__contains__
        return name


def _set(definition: dict, keyword: str, value: Any) -> None:
    if value is None:
        return
    if keyword in definition:  # two validators of a kind: keep both by nesting
        definition.setdefault("allOf", []).append({keyword: value})
    else:
        definition[keyword] = value


def _plain_string(field_: fields.Field) -> bool:
    return type(field_) is fields.String and not field_.validators


def _nullable(definition: dict, allow_none: bool) -> dict:
    if not definition:  # Raw: anything, but null only when allowed
        return {} if allow_none else {"not": {"type": "null"}}
    if allow_none:
        # Every other keyword applies to its own type only, so null passes them all.
        definition["type"] = ["null", definition["type"]]
        if "enum" in definition:
            definition["enum"] = [*definition["enum"], None]
    return definition


def _hook(schema: Schema, entry: tuple) -> Callable[[dict], Any]:
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


def _explain(error: fastjsonschema.JsonSchemaValueException) -> str:
    """fastjsonschema's message, with the path quoted and the missing or unknown keys
    named (it lists every required key, and whole choice lists)."""
    path = tuple(int(p) if p.isdigit() else p for p in error.path[1:])
    value, rule = error.value, error.rule
    if rule == "required":
        missing = [key for key in error.definition["required"] if key not in value]
        return "; ".join(f"{_path((*path, key))}: missing required field" for key in missing)
    if rule == "additionalProperties":
        unknown = sorted(set(value) - set(error.definition["properties"]))
        return "; ".join(f"{_path((*path, key))}: unknown field" for key in unknown)
    if rule == "enum":
        return f"{_path(path)}: {value!r} is not one of {error.definition['enum']}"
    if rule == "format":
        return f"{_path(path)}: {value!r} is not one of the allowed choices"
    return f"{_path(path)}: {error.message.removeprefix(error.name).strip()}"


def compile_schema(schema: Schema) -> Callable[[Any], None]:
    """A validator raising ``SchemaError`` for exactly what ``schema.validate`` refuses."""
    generator = _Generator()
    definition, checks = generator.schema(schema)
    definition["$schema"] = "http://json-schema.org/draft-04/schema#"
    compiled = fastjsonschema.compile(definition, formats=generator.formats)

    def check(data: Any) -> None:
        try:
            compiled(data)
        except fastjsonschema.JsonSchemaValueException as error:
            raise SchemaError(_explain(error)) from None
        if checks:
            _run(checks, data, ())

    return check
