"""The instance file's schema (solver/schema.py): the layer keys a file has, the labels its
loss wants, and the characters a [report] string may hold."""

from __future__ import annotations

from report.scripts import settable
from solver.schema import LABELS, network_keys


def test_layer_keys_follow_the_file():
    """W1 … W3 and b1 … b3 for a file that gives W3; the homework's two layers by default."""
    keys = network_keys({"W3": [[1]]})
    assert [k for k in keys if k[0] in "Wb"] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert "hidden layer 2 to the output" in keys["W3"].about
    assert [k for k in network_keys({}) if k[0] in "Wb"] == ["W1", "b1", "W2", "b2"]


def test_labels_follow_the_loss():
    assert network_keys({"loss": "mse"})["y"] is LABELS["mse"]
    assert network_keys({"loss": 3})["y"] is LABELS["cross_entropy"]  # the loss is refused later


def test_settable_characters():
    assert all(settable(c) for c in "Renée Łukasz – “quoted” €5 张伟 Αλέξανδρος Иван محمد 山田 김")
    assert not any(settable(c) for c in "\x1b\x00ſ😀Ϣ\u0378\u0605")  # Coptic, unassigned, a sign
