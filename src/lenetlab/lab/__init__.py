"""The learning-rules lab: train several rules on the same data and seeds, and compare them.

    from lenetlab.lab import CompareConfig, run_comparison
    result = run_comparison(CompareConfig(rules=["backprop", "hebbian@lenet5-wide"]), "out")

:mod:`~lenetlab.lab.angles` measures, during training, how far each rule's
update is from the true gradient; :mod:`~lenetlab.lab.compare` runs the
comparison and writes its tables; :mod:`~lenetlab.lab.figures` draws them.
"""

from lenetlab.lab.compare import CompareConfig, ComparisonResult, RunSpec, run_comparison

__all__ = ["CompareConfig", "ComparisonResult", "RunSpec", "run_comparison"]
