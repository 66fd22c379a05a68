"""Pieces shared by the audio tasks: factorizing with a setting's factors.

A task's factorize step is declared ``Step(..., algorithm=True)``: it then sees
the factorize factors (``algorithm``, ``beta``, ``max_iter``, ``tol``,
``eval_every``, ``l1_H``, ``seed``, ``dtype``; defaults in
:data:`nmfab.experiment.factors.FACTORIZE_DEFAULTS`) and every parameter the
setting's algorithm declares, and :func:`factorize_setting` forwards them all.
"""
import numpy as np

from ..experiment.factors import FACTORIZE_DEFAULTS, algorithm_params


def algorithm_applicable(setting):
    """Why ``setting`` cannot run (a beta its algorithm does not support), or None.

    Suitable as (part of) a :class:`nmfab.experiment.Task` ``applicable`` hook.
    """
    from ..algorithms import ALGORITHMS

    spec = ALGORITHMS.get(setting.get("algorithm"))
    if spec is None:
        return f"algorithm {setting.get('algorithm')} is not registered"
    beta = float(setting.get("beta", 2.0))
    if not spec.supports(beta):
        return f"algorithm {spec.name} does not support beta={beta:g}"
    return None


def unknown_choice(what, value, choices):
    """Why ``value`` is not one of ``choices`` (an ``applicable`` reason), or None."""
    if value in choices:
        return None
    return f"unknown {what} {value!r}; choose one of: " + ", ".join(map(str, choices))


def factorize_setting(V, setting, **kwargs):
    """Run :func:`nmfab.factorize` on ``V`` with the setting's algorithm factors.

    Every parameter the setting's algorithm declares is forwarded (the
    setting's value, else the algorithm's default). ``kwargs`` (rank, init, W0,
    H0, fixed_W, init_params, ...) are passed on and override the setting.
    Returns ``NMFResult.as_dict()``, a valid step output.
    """
    from .. import factorize

    def value(name):
        return setting.get(name, FACTORIZE_DEFAULTS.get(name))

    params = dict(algorithm=setting["algorithm"], beta=float(setting["beta"]),
                  max_iter=int(value("max_iter")), tol=float(value("tol")),
                  eval_every=int(value("eval_every")), l1_H=float(value("l1_H")),
                  seed=int(value("seed")), dtype=str(value("dtype")),
                  **algorithm_params(setting))
    params.update(kwargs)
    return factorize(np.asarray(V), **params).as_dict()
