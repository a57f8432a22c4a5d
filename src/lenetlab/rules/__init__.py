"""Learning rules, each in its own module, all behind one small interface.

Importing this package registers every rule; :func:`get_rule` builds one by name.

- ``backprop``: the reference, the true gradient;
- ``feedback-alignment``: fixed random feedback weights in every layer;
- ``direct-feedback-alignment``: the output error sent straight to each hidden layer;
- ``sign-symmetry``: feedback that shares only the forward weights' signs;
- ``hebbian``: competitive Hebbian convolutions, a supervised linear read-out;
- ``node-perturbation``: one scalar reward per example, noise on the units;
- ``random-features``: the control, random convolutions and the same read-out.
"""

from lenetlab.rules import (  # noqa: F401  (each import registers its rule)
    backprop,
    direct_feedback_alignment,
    feedback_alignment,
    hebbian,
    node_perturbation,
    random_features,
    sign_symmetry,
)
from lenetlab.rules.base import RULES, LearningRule, get_rule, register

__all__ = ["RULES", "LearningRule", "get_rule", "register"]
