"""The API reference documents itself, checked on the OpenAPI schema the app builds.

Every operation parameter and every property of every component schema has a description,
every operation one of the tags, and every operation an example of its 200 answer; the example
answers fit their response models. Nothing here is a hand-kept list of endpoints or fields.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

import api.routes
from api.app import create_app
from mapper.filters import options
from mapper.service import ActorFilter, CollaborationFilter, MapperService, Scope
from mapper.stores.embedded import EmbeddedStore

TAGS = {"records", "analysis", "maps", "jobs", "meta", "admin"}

# The query parameters made from mapper/filters.py: their descriptions are written there.
_FILTER_PARAMETERS = {
    name
    for filter_set in (Scope, ActorFilter, CollaborationFilter)
    for name, *_ in options(filter_set)
}


@functools.cache
def _app():
    return create_app(MapperService(EmbeddedStore(":memory:")))


def _schema() -> dict[str, Any]:
    return _app().openapi()


def _operations() -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in _schema()["paths"].items()
        for method, operation in item.items()
    }


def _cases(names) -> list:
    return sorted(names)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return _schema()["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


@pytest.mark.parametrize("operation", sorted(_operations()))
def test_every_parameter_has_a_description(operation):
    parameters = _operations()[operation].get("parameters", [])
    missing = [p["name"] for p in parameters if not p.get("description", "").strip()]
    from_filters = [name for name in missing if name in _FILTER_PARAMETERS]
    assert not missing, f"{operation}: parameter(s) without a description: {', '.join(missing)}" + (
        f" (from mapper/filters.py: {', '.join(from_filters)})" if from_filters else ""
    )


@pytest.mark.parametrize("model", _cases(_schema()["components"]["schemas"]))
def test_every_response_field_has_a_description(model):
    properties = _schema()["components"]["schemas"][model].get("properties", {})
    missing = [name for name, field in properties.items() if not field.get("description", "")]
    assert not missing, f"{model}: field(s) without a description: {', '.join(missing)}"


@pytest.mark.parametrize("operation", sorted(_operations()))
def test_every_operation_has_one_of_the_tags(operation):
    tags = _operations()[operation].get("tags", [])
    assert len(tags) == 1 and tags[0] in TAGS, f"{operation}: tags {tags}, expected one of {TAGS}"


@pytest.mark.parametrize("operation", _cases(_operations()))
def test_every_operation_has_an_example_answer(operation):
    ok = _operations()[operation]["responses"].get("200", {})
    media = ok.get("content", {}).values()
    examples = [m for m in media if m.get("example") is not None or m.get("examples")]
    in_schema = [m for m in media if {"example", "examples"} & set(_resolve(m.get("schema", {})))]
    assert examples or in_schema, f"{operation}: the 200 answer has no example"


def test_every_tag_is_declared_with_a_description():
    declared = {tag["name"]: tag.get("description", "") for tag in _schema().get("tags", [])}
    used = {tag for operation in _operations().values() for tag in operation.get("tags", [])}
    assert used <= set(declared), f"tags used but not declared: {sorted(used - set(declared))}"
    assert all(declared.values()), f"tags without a description: {declared}"


def _json_examples() -> list:
    """(response model, example answer) of every route in api/routes/*.py."""
    cases = []
    for module in pkgutil.iter_modules(api.routes.__path__):
        router = importlib.import_module(f"api.routes.{module.name}").router
        for route in (r for r in router.routes if isinstance(r, APIRoute) and r.response_model):
            content = route.responses.get(200, {}).get("content", {})
            for key, example in content.get("application/json", {}).get("examples", {}).items():
                name = f"{next(iter(route.methods))} {route.path} {key}"
                cases.append(pytest.param(route.response_model, example["value"], id=name))
    return cases


@pytest.mark.parametrize(("model", "value"), _json_examples())
def test_the_example_answers_fit_their_response_models(model, value):
    TypeAdapter(model).validate_python(value)
