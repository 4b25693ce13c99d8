"""The optimizers behind ``optimizer.name``: random, grid (basic.py), ga (ga.py, DEAP),
tpe and nsga2 (optuna_based.py, Optuna). Build them with ``eqpy.optimizer.make_optimizer``."""
