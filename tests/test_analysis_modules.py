"""Every analysis module: a one-line docstring, __all__ naming its public functions, G first."""

import importlib
import inspect
import pkgutil

import pytest

import mapper.analysis

MODULES = [
    importlib.import_module(f"mapper.analysis.{info.name}")
    for info in pkgutil.iter_modules(mapper.analysis.__path__)
    if not info.name.startswith("_")
]


def test_the_modules():
    assert sorted(module.__name__.rsplit(".", 1)[1] for module in MODULES) == [
        "actor_graph", "brokers", "compact", "funding", "gaps", "layout", "mixing", "paths",
        "suggestions"]


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_all_lists_exactly_the_public_names(module):
    functions = {
        name for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__
    }
    public = {name for name in functions if not name.startswith("_")}
    assert public <= set(module.__all__)
    assert all(hasattr(module, name) and not name.startswith("_") for name in module.__all__)
    constants_and_classes = {
        name for name in module.__all__
        if name.isupper() or inspect.isclass(getattr(module, name))
    }
    assert set(module.__all__) - public <= constants_and_classes


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_one_line_docstring(module):
    first, *_ = module.__doc__.split("\n")
    assert first.endswith(".") and len(first) <= 100


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_graph_first_and_options_keyword_only(module):
    for name in module.__all__:
        function = getattr(module, name)
        if not inspect.isfunction(function):
            continue
        parameters = list(inspect.signature(function).parameters.values())
        # `x_from_counts` style functions take precomputed counts (from Cypher) instead.
        assert parameters[0].name == "G" or "_from_" in name, name
        for parameter in parameters:
            if parameter.default is not inspect.Parameter.empty:
                assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, (name, parameter.name)
