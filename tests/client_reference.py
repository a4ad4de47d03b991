"""authentik's published schema, read back out of the `authentik-client` package.

The client is generated from authentik's OpenAPI schema, and its code keeps
every fact a generated client depends on: each model's fields in schema order,
their types, which are required, which are nullable (the `to_dict` code names
them), descriptions, defaults and length limits; each API method's path, HTTP
method, parameters, request body, content types and response types. This
module turns those into plain values that compare directly with the same
facts taken from our schema (`schema_shape`, `schema_field`, ...).

A type is written as a small value: `"string"`, `"integer"`, `"number"`,
`"boolean"`, `"uuid"`, `"date-time"`, `"object"`, `"any"`,
`("array", <item type>)` or `("ref", <component name>)`.
"""

import datetime
import functools
import inspect
import operator
import re
import types
import typing
import uuid
from dataclasses import dataclass
from enum import Enum

import annotated_types
import authentik_client
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from tests.schema_export import component_name

NO_DEFAULT = "<no default>"
SCALARS = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    uuid.UUID: "uuid",
    datetime.datetime: "date-time",
    datetime.date: "date",
}
STRING_FORMATS = {"uuid": "uuid", "date-time": "date-time", "date": "date"}


@dataclass(frozen=True)
class FieldFacts:
    type: object
    required: bool
    nullable: bool
    description: str | None
    default: object
    min_length: int | None
    max_length: int | None


@dataclass(frozen=True)
class ParameterFacts:
    location: str
    type: object
    required: bool
    description: str | None
    explode: bool | None


@dataclass(frozen=True)
class OperationFacts:
    method: str
    path: str
    tag: str
    parameters: dict[str, ParameterFacts]
    body: tuple[str, bool] | None
    request_content_types: tuple[str, ...]
    response_content_types: tuple[str, ...]
    responses: dict[str, object]
    security: tuple[str, ...]


# The client side.


def _unwrap(annotation) -> tuple[object, bool, list]:
    """Strip `Optional` and `Annotated`: the bare type, whether None is allowed,
    and the constraints found on the way."""
    nullable = False
    metadata: list = []
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
            for extra in args[1:]:
                metadata.extend(
                    extra.metadata if isinstance(extra, FieldInfo) else [extra]
                )
        elif origin in (typing.Union, types.UnionType) and type(None) in args:
            nullable = True
            rest = [arg for arg in args if arg is not type(None)]
            annotation = functools.reduce(operator.or_, rest)
        else:
            return annotation, nullable, metadata


def client_type(annotation) -> object:
    bare, _, _ = _unwrap(annotation)
    origin = typing.get_origin(bare)
    if origin in (typing.Union, types.UnionType):
        members = {client_type(arg) for arg in typing.get_args(bare)}
        # `number` in a schema becomes Union[StrictFloat, StrictInt].
        assert members == {"number", "integer"}, bare
        return "number"
    if origin in (list, typing.List):  # noqa: UP006
        return ("array", client_type(typing.get_args(bare)[0]))
    if origin in (dict, typing.Dict) or bare is dict:  # noqa: UP006
        return "object"
    if bare is typing.Any:
        return "any"
    if isinstance(bare, type) and issubclass(bare, Enum | BaseModel):
        return ("ref", bare.__name__)
    return SCALARS[bare]


def _constraint(metadata: list, kind: type, attribute: str):
    for item in metadata:
        if isinstance(item, kind):
            return getattr(item, attribute)
    return None


def client_model(name: str) -> type[BaseModel]:
    return getattr(authentik_client.models, name)


def client_property_names(model: type[BaseModel]) -> list[str]:
    """The model's schema properties in schema order (`__properties`)."""
    return list(getattr(model, f"_{model.__name__}__properties"))


def client_has_additional_properties(model: type[BaseModel]) -> bool:
    return "additional_properties" in model.model_fields


def client_nullable_names(model: type[BaseModel]) -> set[str]:
    """Fields the generator marked nullable: `to_dict` keeps their None."""
    source = inspect.getsource(model.to_dict)
    return set(re.findall(r"# set to None if (\w+) \(nullable\) is None", source))


def client_fields(model: type[BaseModel]) -> dict[str, FieldFacts]:
    nullable_names = client_nullable_names(model)
    facts = {}
    for name in client_property_names(model):
        info = model.model_fields[name]
        _, optional, metadata = _unwrap(info.annotation)
        metadata = [*info.metadata, *metadata]
        required = info.is_required()
        default = info.default
        if required or default is None or default is PydanticUndefined:
            default = NO_DEFAULT
        facts[info.alias or name] = FieldFacts(
            type=client_type(info.annotation),
            required=required,
            # A required field typed Optional is nullable as well.
            nullable=name in nullable_names or (required and optional),
            description=info.description,
            default=default,
            min_length=_constraint(metadata, annotated_types.MinLen, "min_length"),
            max_length=_constraint(metadata, annotated_types.MaxLen, "max_length"),
        )
    return facts


def client_enum_values(name: str) -> list[str]:
    return [member.value for member in client_model(name)]


def _literal_list(source: str, call: str) -> tuple[str, ...]:
    match = re.search(rf"{call}\(\s*\[(.*?)\]", source, re.S)
    return tuple(re.findall(r"'([^']+)'", match.group(1))) if match else ()


def _response_type(value: str | None) -> object:
    if value is None:
        return None
    listed = re.fullmatch(r"List\[(\w+)\]", value)
    if listed:
        return ("array", ("ref", listed.group(1)))
    return ("ref", value)


def client_operation(api: type, name: str) -> OperationFacts:
    method = getattr(api, name)
    source = inspect.getsource(getattr(api, f"_{name}_serialize"))
    http_method, path = re.search(
        r"method='(\w+)',\s*resource_path='([^']+)'", source
    ).groups()
    formats = dict(re.findall(r"'(\w+)': '(\w+)'", source.split("_path_params")[0]))
    path_names = set(re.findall(r"_path_params\['(\w+)'\]", source))
    query_names = set(re.findall(r"_query_params\.append\(\('(\w+)'", source))
    body_name = re.search(r"_body_params = (\w+)", source)
    parameters = {}
    body = None
    for parameter in inspect.signature(method).parameters.values():
        annotation = parameter.annotation
        required = parameter.default is inspect.Parameter.empty
        if body_name and parameter.name == body_name.group(1):
            body = (client_type(annotation)[1], required)
            continue
        if parameter.name not in path_names | query_names:
            continue
        _, _, metadata = _unwrap(annotation)
        described = [item for item in metadata if isinstance(item, FieldInfo)]
        if typing.get_origin(annotation) is typing.Annotated:
            described += [
                extra
                for extra in typing.get_args(annotation)[1:]
                if isinstance(extra, FieldInfo)
            ]
        kind = client_type(annotation)
        explode = None
        if isinstance(kind, tuple) and kind[0] == "array":
            explode = formats.get(parameter.name, "csv") == "multi"
        parameters[parameter.name] = ParameterFacts(
            location="path" if parameter.name in path_names else "query",
            type=kind,
            required=required,
            description=next(
                (item.description for item in described if item.description), None
            ),
            explode=explode,
        )
    response_map = re.search(
        r"_response_types_map: Dict\[str, Optional\[str\]\] = \{(.*?)\}",
        inspect.getsource(method),
        re.S,
    ).group(1)
    responses = {
        code: _response_type(None if value == "None" else value.strip('"'))
        for code, value in re.findall(r"'(\d+)': (None|\"[^\"]+\")", response_map)
    }
    auth = re.search(r"_auth_settings: List\[str\] = \[(.*?)\]", source, re.S)
    return OperationFacts(
        method=http_method.lower(),
        path=path,
        tag=api.__name__.removesuffix("Api").lower(),
        parameters=parameters,
        body=body,
        request_content_types=_literal_list(source, "select_header_content_type"),
        response_content_types=_literal_list(source, "select_header_accept"),
        responses=responses,
        security=tuple(re.findall(r"'([^']+)'", auth.group(1))),
    )


def client_operation_names(api: type, prefixes: tuple[str, ...]) -> list[str]:
    suffixes = ("_with_http_info", "_without_preload_content", "_serialize")
    return sorted(
        name
        for name, _ in inspect.getmembers(api, inspect.isfunction)
        if name.startswith(prefixes) and not name.endswith(suffixes)
    )


# Our side, in the same terms.


def _single_ref(prop: dict) -> str | None:
    for key in ("allOf", "oneOf"):
        refs = [item["$ref"] for item in prop.get(key, []) if "$ref" in item]
        if refs:
            assert len(refs) == 1, prop
            return refs[0]
    return prop.get("$ref")


def schema_type(prop: dict) -> object:
    ref = _single_ref(prop)
    if ref:
        return ("ref", component_name(ref))
    kind = prop.get("type")
    if kind is None:
        return "any"
    if kind == "string":
        return STRING_FORMATS.get(prop.get("format"), "string")
    if kind == "array":
        return ("array", schema_type(prop["items"]))
    return kind


def schema_nullable(prop: dict) -> bool:
    if prop.get("nullable"):
        return True
    options = prop.get("oneOf", [])
    return any(option.get("nullable") for option in options if "$ref" not in option)


def schema_fields(component: dict) -> dict[str, FieldFacts]:
    required = set(component.get("required", []))
    return {
        name: FieldFacts(
            type=schema_type(prop),
            required=name in required,
            nullable=schema_nullable(prop),
            description=prop.get("description"),
            default=prop.get("default", NO_DEFAULT),
            min_length=prop.get("minLength"),
            max_length=prop.get("maxLength"),
        )
        for name, prop in component.get("properties", {}).items()
    }


def _content_types(bodies: list[dict]) -> tuple[str, ...]:
    found: list[str] = []
    for body in bodies:
        for content_type in body.get("content", {}):
            if content_type not in found:
                found.append(content_type)
    return tuple(found)


def _schema_response(response: dict) -> object:
    content = response.get("content")
    if not content:
        return None
    return schema_type(content["application/json"]["schema"])


def schema_operation(path: str, method: str, operation: dict) -> OperationFacts:
    parameters = {}
    for parameter in operation.get("parameters", []):
        kind = schema_type(parameter["schema"])
        explode = None
        if isinstance(kind, tuple) and kind[0] == "array":
            # OpenAPI's default for query parameters: style form, exploded.
            explode = parameter.get("explode", parameter.get("style", "form") == "form")
        parameters[parameter["name"]] = ParameterFacts(
            location=parameter["in"],
            type=kind,
            required=parameter.get("required", False),
            description=parameter.get("description"),
            explode=explode,
        )
    request = operation.get("requestBody")
    body = None
    if request is not None:
        schema = request["content"]["application/json"]["schema"]
        body = (component_name(schema["$ref"]), request.get("required", False))
    return OperationFacts(
        method=method,
        path=path,
        tag=operation["tags"][0] if len(operation.get("tags", [])) == 1 else "",
        parameters=parameters,
        body=body,
        request_content_types=_content_types([request] if request else []),
        response_content_types=_content_types(list(operation["responses"].values())),
        responses={
            code: _schema_response(response)
            for code, response in operation["responses"].items()
        },
        security=tuple(
            name
            for requirement in operation.get("security", [])
            for name in requirement
        ),
    )
