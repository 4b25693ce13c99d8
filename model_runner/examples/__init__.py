"""Example models: ``noop`` and ``quadratic`` (fast, for tests and sweeps), ``uno`` (a
CANDLE Uno-shaped drug-response regressor on synthetic data) and ``tumor_classifier``
(an MLP on the Wisconsin breast-cancer data). The torch ones share
:mod:`model_runner.examples.torch_training`. Nothing here is imported by the runner itself.
"""
