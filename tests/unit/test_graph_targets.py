"""The nodes a graph run needs, each visited once (channels/graph_targets.py): the same
nodes as Rasa's own walk for this project's graphs, and installed."""

from __future__ import annotations

import inspect

import pytest
from rasa.engine.graph import GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.data import TrainingType
from rasa.shared.utils.io import read_config_file

import channels.guarded  # noqa: F401 - loading the channels installs the walk
from bot.settings import PROJECT_ROOT
from channels import graph_targets


def project_graphs() -> dict[str, GraphSchema]:
    config = read_config_file(PROJECT_ROOT / "config.yml")
    graphs = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.BOTH)
    return {"predict": graphs.predict_schema, "train": graphs.train_schema}


def test_rasa_still_uses_the_walk_only_to_ask_whether_a_node_is_needed():
    # If an upgrade changes either method, the replacement must be looked at again.
    assert "minimal_graph_schema(run_targets)" in inspect.getsource(DaskGraphRunner.run)
    minimal = inspect.getsource(GraphSchema.minimal_graph_schema)
    assert "self._all_dependencies_schema(" in minimal and "if node_name in dependencies" in minimal


def test_the_walk_is_installed_when_rasa_loads_the_channels():
    assert GraphSchema._all_dependencies_schema is graph_targets.all_dependencies


@pytest.mark.parametrize("kind", ["predict", "train"])
def test_every_target_needs_the_same_nodes_as_in_rasa(kind):
    schema = project_graphs()[kind]
    runs = [[name] for name in schema.nodes] + [schema.target_names, ["no_such_node"]]
    for targets in runs:
        ours = graph_targets.all_dependencies(schema, targets)
        assert set(ours) == set(graph_targets._rasa_dependencies(schema, targets))
        assert len(ours) == len(set(ours))  # each node once


def test_the_minimal_graph_of_the_language_pipeline_is_unchanged():
    schema = project_graphs()["predict"]
    targets = [name for name in schema.nodes if "RiskSpotter" in name]
    assert targets
    minimal = schema.minimal_graph_schema(targets)
    assert set(minimal.nodes) == {
        name for name in schema.nodes if name in graph_targets._rasa_dependencies(schema, targets)
    }
    assert any("DIETClassifier" in name for name in minimal.nodes)
