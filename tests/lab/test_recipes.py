"""Each rule's recipe reaches the run's settings, whichever command starts it."""

from __future__ import annotations

import pytest

from lenetlab.lab.compare import CompareConfig, RunSpec
from lenetlab.rules import RULES, get_rule
from lenetlab.training.config import TrainConfig


def test_the_default_settings_are_backprops_recipe():
    backprop = get_rule("backprop")
    defaults = TrainConfig()

    assert defaults.rule == "backprop"
    assert backprop.default_label_smoothing == defaults.label_smoothing > 0
    assert backprop.recipe() == {
        "epochs": defaults.epochs,
        "batch_size": defaults.batch_size,
        "lr": defaults.lr,
        "weight_decay": defaults.weight_decay,
        "label_smoothing": defaults.label_smoothing,
        "precision": "auto",
    }
    assert TrainConfig(**backprop.recipe()) == defaults


@pytest.mark.parametrize("name", sorted(RULES))
def test_compare_trains_each_rule_with_its_own_recipe(name):
    rule = get_rule(name)

    config = CompareConfig(rules=[name]).train_config(RunSpec.parse(name), seed=3)

    assert config.label_smoothing == rule.default_label_smoothing
    assert config.weight_decay == rule.default_weight_decay
    assert (config.lr, config.epochs, config.seed) == (rule.default_lr, rule.default_epochs, 3)


def test_only_backprop_smooths_its_labels():
    smoothing = {name: get_rule(name).default_label_smoothing for name in RULES}

    assert {name for name, value in smoothing.items() if value} == {"backprop"}


def test_given_settings_replace_the_recipe_and_none_keeps_it():
    rule = get_rule("feedback-alignment")

    recipe = rule.recipe(epochs=2, lr=None)

    assert recipe["epochs"] == 2
    assert recipe["lr"] == rule.default_lr
    assert TrainConfig(**recipe).weight_decay == rule.default_weight_decay
