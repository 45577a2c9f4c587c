"""Rasa's models (DIET, the answer selector, TED) predict through a `tf.function` that
has one fixed input signature, so it has exactly one traced graph. Yet every call
looks that graph up again: TensorFlow binds and converts the inputs against the
signature and searches its function cache, which took twice as long as running the
graph itself (about 0.5 ms of 1 ms for DIET; a message runs DIET, the selector and
TED once per predicted action). Issue 17's profile showed it as a tenth of the Rasa
server's work under load.

Here, after Rasa's own first prediction has traced the graph, the model's predict step
is replaced by that one graph (`get_concrete_function`, TensorFlow's public API for
it): the same computation, the same outputs, called without the lookup. A model
without a fixed signature, or running eagerly, keeps Rasa's way.

Installed when Rasa loads the chat channels (channels/guarded.py).
"""

from __future__ import annotations

from typing import Any

from rasa.utils.tensorflow.models import RasaModel

_rasa_predict = RasaModel._rasa_predict


class Traced:
    """A predict step that calls the traced graph of a `tf.function` directly, and the
    function itself for a batch the graph does not take as it is (a tuple of tensors,
    which the function would first repack: TypeError)."""

    def __init__(self, function: Any, concrete: Any) -> None:
        self.function = function
        self.concrete = concrete

    def __call__(self, batch_in: Any) -> Any:
        try:
            return self.concrete(batch_in)
        except TypeError:
            return self.function(batch_in)


def _traced(step: Any) -> Traced | None:
    """The predict step of a `tf.function` with a fixed input signature, or None."""
    signature = getattr(step, "input_signature", None)
    if not signature:
        return None
    return Traced(step, step.get_concrete_function(*signature))


def rasa_predict(model: RasaModel, batch_in: Any) -> Any:
    """RasaModel._rasa_predict; its first call traces the graph and keeps it."""
    outputs = _rasa_predict(model, batch_in)
    step = model._tf_predict_step
    if step is not None and not model._run_eagerly and not isinstance(step, Traced):
        model._tf_predict_step = _traced(step) or step
    return outputs


def install() -> None:
    RasaModel._rasa_predict = rasa_predict  # type: ignore[method-assign]
