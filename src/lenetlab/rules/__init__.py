"""Learning rules, each in its own module, all behind one small interface.

Importing this package registers every rule; :func:`get_rule` builds one by name.
"""

from lenetlab.rules import backprop  # noqa: F401  (registers the rule)
from lenetlab.rules.base import RULES, LearningRule, get_rule, register

__all__ = ["RULES", "LearningRule", "get_rule", "register"]
