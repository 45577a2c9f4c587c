"""Rasa's models predict through their one traced graph (channels/traced_predict.py):
the same outputs as Rasa's own way, for batches of any size, without a new trace."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from rasa.utils.tensorflow.models import RasaModel

import channels.guarded  # noqa: F401 - loading the channels installs it
from channels import traced_predict
from channels.traced_predict import rasa_predict


class Scaling(RasaModel):
    """A model as small as one weight: each row of features times the weight, summed,
    plus the second input (a batch of numbers)."""

    def __init__(self) -> None:
        super().__init__(random_seed=1)
        self.weight = tf.Variable([[0.5], [2.0], [-1.0]])
        self.traces = 0

    def batch_predict(self, batch_in):
        self.traces += 1  # runs in Python only while TensorFlow traces the graph
        features, offsets = batch_in
        return {"score": tf.matmul(features, self.weight)[:, 0] + offsets}


def _batch(rows: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(rows)
    return (
        rng.normal(size=(rows, 3)).astype(np.float32),
        rng.normal(size=(rows,)).astype(np.float32),
    )


def test_installed_when_rasa_loads_the_channels():
    assert RasaModel._rasa_predict is rasa_predict


def test_rasa_still_traces_one_graph_with_a_fixed_signature():
    # What the replacement relies on: if an upgrade changes it, look again.
    model = Scaling()
    traced_predict._rasa_predict(model, _batch(2))
    assert model._tf_predict_step.input_signature is not None


def test_the_same_outputs_as_rasa_for_every_batch_size_and_one_trace():
    ours, rasas = Scaling(), Scaling()
    for rows in (1, 4, 1, 7):
        batch = _batch(rows)
        expected = traced_predict._rasa_predict(rasas, batch)["score"]
        got = rasa_predict(ours, batch)["score"]
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, expected)
    assert isinstance(ours._tf_predict_step, traced_predict.Traced)
    assert ours.traces == 1


def test_a_batch_the_graph_does_not_take_as_it_is_goes_through_the_function():
    model = Scaling()
    rasa_predict(model, _batch(2))
    features, offsets = _batch(3)
    as_tensors = (tf.constant(features), tf.constant(offsets))  # a tuple, not a list
    expected = traced_predict._rasa_predict(Scaling(), _batch(3))["score"]
    np.testing.assert_allclose(model._tf_predict_step(as_tensors)["score"], expected)


def test_a_model_running_eagerly_keeps_rasas_way():
    model = Scaling()
    model._run_eagerly = True
    first = rasa_predict(model, _batch(3))["score"]
    assert model._tf_predict_step is None
    np.testing.assert_allclose(first, rasa_predict(model, _batch(3))["score"])
