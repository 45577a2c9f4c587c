"""Before every run of the model's graph (the language pipeline at each message, the
policies at each prediction), Rasa's runner works out which nodes the targets need with
`GraphSchema._all_dependencies_schema`, which walks every path from each target again,
so a node that many others need (the tokenizer, the featurizers) is visited once per
path: 7% of the Rasa server's work under load (issue 17's profile). Here each node is
visited once; the runner only asks whether a node is in the answer, and the answer holds
the same nodes.

Installed when Rasa loads the chat channels (channels/guarded.py). A test checks that
both give the same nodes for the trained model's graphs and that Rasa's runner still
uses the method only that way.
"""

from __future__ import annotations

from rasa.engine.graph import GraphSchema

_rasa_dependencies = GraphSchema._all_dependencies_schema


def all_dependencies(schema: GraphSchema, targets: list[str]) -> list[str]:
    """The targets and every node they need, directly or not, each once."""
    required: list[str] = []
    seen: set[str] = set()
    waiting = list(reversed(targets))
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        required.append(name)
        node = schema.nodes.get(name)
        if node is not None:  # None: an input placeholder, as in Rasa's
            waiting.extend(reversed(list(node.needs.values())))
    return required


def install() -> None:
    GraphSchema._all_dependencies_schema = all_dependencies  # type: ignore[method-assign]
