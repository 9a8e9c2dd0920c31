"""Requests checked against the contracts before any handler runs: parameters and JSON bodies.

openapi-core is the authority on the contracts, but costs 0.7-2.4 ms a request; these checks are
compiled once per process from the same documents (openapi-schema-validator, the schema layer
openapi-core itself uses) and cost tens of microseconds. A violation is a 400 (415 for a body of
another media type) whose detail names the parameter or body field and what was expected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from flask import Request
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from ..errors import BadRequest, UnsupportedMediaType
from ..contract_documents import CONTRACTS, contract, operations_in, resolve, rule_template
from .bodies import field_path, has_body, is_json, json_string, parse_json

def _coerce(kind: str) -> Callable[[str], Any]:
    if kind == "integer":
        def integer(raw: str) -> int:
            if not re.fullmatch(r"\s*[-+]?\d+\s*", raw):
                raise ValueError("an integer")
            return int(raw)
        return integer
    if kind == "number":
        def number(raw: str) -> float:
            try:
                return float(raw)
            except ValueError:
                raise ValueError("a number") from None
        return number
    if kind == "boolean":
        def boolean(raw: str) -> bool:
            if raw.lower() not in ("true", "false"):
                raise ValueError("true or false")
            return raw.lower() == "true"
        return boolean
    return lambda raw: raw


@dataclass(frozen=True)
class ParameterRule:
    name: str
    location: str  # query | header | path
    required: bool
    many: bool
    coerce: Callable[[str], Any]
    validator: OAS30Validator
    # The schema says no more than the type the value is coerced to (no format, pattern, enum, bounds): every
    # coerced value passes, so the validator is not asked (a poll's path id is checked without it).
    free: bool = False


@dataclass(frozen=True)
class OperationRules:
    operation_id: str
    parameters: tuple[ParameterRule, ...]
    media_types: tuple[str, ...]
    body_validator: OAS30Validator | None
    body_fields: frozenset[str] = frozenset()  # the properties the body schema names
    string_body: bool = False  # the body is a JSON string (bodies.json_string: it may come unquoted)


def _validator(schema: dict, registry: Registry) -> OAS30Validator:
    return OAS30Validator(schema, registry=registry, format_checker=OAS30Validator.FORMAT_CHECKER)


def _rebase(node: Any, base: str) -> Any:
    """Local $refs made absolute, so that a schema validates against its own document's registry."""
    if isinstance(node, dict):
        return {k: (base + v if k == "$ref" and v.startswith("#") else _rebase(v, base)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v, base) for v in node]
    return node


# Schema keywords that constrain nothing beyond the type (annotations, and the type itself).
_ONLY_TYPE = frozenset({"type", "description", "title", "example", "examples", "default", "deprecated", "nullable"})


@lru_cache(maxsize=None)
def operation_rules() -> dict[tuple[str, str], OperationRules]:
    """(path template, METHOD) -> the compiled rules of every contract operation."""
    rules = {}
    for family in CONTRACTS:
        doc = contract(family)
        base = f"urn:mocktmc:{family}"
        registry = Registry().with_resource(base, Resource.from_contents(doc, default_specification=DRAFT4))
        for path, item, method, operation in operations_in(doc):
            parameters = []
            for raw in item.get("parameters", []) + operation.get("parameters", []):
                parameter = resolve(doc, raw)
                if parameter["in"] not in ("query", "header", "path"):
                    continue
                schema = resolve(doc, parameter.get("schema", {}))
                many = schema.get("type") == "array"
                kind = resolve(doc, schema.get("items", {})).get("type", "string") if many else \
                    schema.get("type", "string")
                parameters.append(ParameterRule(parameter["name"], parameter["in"],
                                                bool(parameter.get("required")), many, _coerce(kind),
                                                _validator(_rebase(parameter.get("schema", {}), base), registry),
                                                free=not many and set(schema) <= _ONLY_TYPE))
            content = operation.get("requestBody", {}).get("content", {})
            body_schema = content.get("application/json", {}).get("schema")
            rules[(path, method.upper())] = OperationRules(
                operation["operationId"], tuple(parameters), tuple(content),
                _validator(_rebase(body_schema, base), registry) if body_schema is not None else None,
                frozenset(resolve(doc, body_schema).get("properties", {})) if body_schema is not None else frozenset(),
                body_schema is not None and resolve(doc, body_schema).get("type") == "string")
    return rules


@lru_cache(maxsize=None)  # one entry per URL rule and method: asked on every request
def _rules_of(url_rule: str, method: str) -> OperationRules | None:
    """The rules of the operation a Flask URL rule serves with `method`, or None when it is no contract operation."""
    return operation_rules().get((rule_template(url_rule), method))


def _label(rule: ParameterRule) -> str:
    return f"{rule.location.capitalize()} parameter '{rule.name}'"


def _check_parameter(rule: ParameterRule, request: Request) -> None:
    if rule.location == "path":
        values = [request.view_args[rule.name]] if request.view_args and rule.name in request.view_args else []
    elif rule.location == "header":
        values = [request.headers[rule.name]] if rule.name in request.headers else []
    else:
        values = request.args.getlist(rule.name)
    if not values:
        if rule.required:
            raise BadRequest(f"{_label(rule)} is required")
        return
    try:
        coerced = [rule.coerce(v) for v in values]
    except ValueError as exc:
        raise BadRequest(f"{_label(rule)} must be {exc}, got {values[0]!r}") from None
    if rule.free:
        return
    value = coerced if rule.many else coerced[0]
    error = next(iter(rule.validator.iter_errors(value)), None)
    if error is not None:
        raise BadRequest(f"{_label(rule)}: {error.message}")


def check_request(request: Request) -> None:
    """Raise the 400/415 a request that breaks its operation's contract deserves; else do nothing."""
    url_rule = request.url_rule
    if url_rule is None:
        return
    rules = _rules_of(url_rule.rule, request.method)
    if rules is None:
        return
    for parameter in rules.parameters:
        _check_parameter(parameter, request)
    if not rules.media_types:
        return
    mimetype = request.mimetype
    if has_body(request) and not is_json(mimetype) and mimetype not in rules.media_types:
        raise UnsupportedMediaType(f"Content-Type must be {' or '.join(rules.media_types)}, got {mimetype or 'none'}")
    if rules.body_validator is None or (has_body(request) and not is_json(mimetype)):
        return  # multipart and form bodies are read by their handlers: reading them here would empty the form
    _check_body(rules, rules.body_validator, request)


def _check_body(rules: OperationRules, validator: OAS30Validator, request: Request) -> Any:
    # The published documents mark almost no body as required, yet an operation that takes one
    # cannot do without it: an empty body is a 400 (parse_json says so).
    raw = request.get_data(cache=True)
    body = json_string(raw, request.mimetype) if rules.string_body else parse_json(raw, request.mimetype)
    error = min(validator.iter_errors(body), key=lambda e: (len(e.absolute_path), e.message), default=None)
    if error is not None:
        where = field_path(error.absolute_path)
        raise BadRequest(f"Request body{' field ' + repr(where) if where else ''}: {error.message}")
    return body


def contract_body(request: Request, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON object body of an operation whose only rules are its published schema, checked
    against it whatever --validate says; fields the schema does not name (bar `ignore`) are refused,
    as TMC does."""
    rule = request.url_rule
    rules = operation_rules().get((rule_template(rule.rule), request.method)) if rule is not None else None
    if rules is None or rules.body_validator is None:
        # A mistake of the view that calls this, not of the client: a 500, as the KeyError it replaces was.
        raise LookupError(f"{request.method} {request.path} is no contract operation with a request body")
    if has_body(request) and not is_json(request.mimetype):
        raise UnsupportedMediaType(f"Content-Type must be application/json, got {request.mimetype or 'none'}")
    body = _check_body(rules, rules.body_validator, request)
    unknown = sorted(set(body) - rules.body_fields - set(ignore))
    if unknown:
        raise BadRequest(f"Unrecognized field: {unknown[0]!r}; known fields: {', '.join(sorted(rules.body_fields))}")
    return body
