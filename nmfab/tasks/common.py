"""Pieces shared by the audio tasks: factorizing with a setting's factors.

Factors read from a setting (missing ones take the defaults below):
``algorithm``, ``beta``, ``max_iter``, ``tol``, ``eval_every``, ``l1_H``,
``inner_iter`` (nenmf only), ``seed``.
"""
import numpy as np

FACTORIZE_DEFAULTS = dict(algorithm="mu", beta=2.0, max_iter=200, tol=1e-4, eval_every=10,
                          l1_H=0.0, seed=0)


def setting_value(setting, name):
    """The value of factor ``name`` in ``setting``, or its default from FACTORIZE_DEFAULTS."""
    return setting.get(name, FACTORIZE_DEFAULTS.get(name))


def algorithm_applicable(setting):
    """Why ``setting`` cannot run (a beta its algorithm does not support), or None.

    Suitable as (part of) a :class:`nmfab.experiment.Task` ``applicable`` hook.
    """
    from ..algorithms import supports

    algorithm = setting_value(setting, "algorithm")
    beta = float(setting_value(setting, "beta"))
    if not supports(algorithm, beta):
        return f"algorithm {algorithm} does not support beta={beta:g}"
    return None


def factorize_setting(V, setting, **kwargs):
    """Run :func:`nmfab.factorize` on ``V`` with the setting's algorithm factors.

    ``kwargs`` (rank, init, W0, H0, fixed_W, init_params, ...) are passed on and
    override the setting. Returns ``NMFResult.as_dict()``, a valid step output.
    """
    from .. import factorize

    params = dict(algorithm=setting_value(setting, "algorithm"),
                  beta=float(setting_value(setting, "beta")),
                  max_iter=int(setting_value(setting, "max_iter")),
                  tol=float(setting_value(setting, "tol")),
                  eval_every=int(setting_value(setting, "eval_every")),
                  l1_H=float(setting_value(setting, "l1_H")),
                  seed=int(setting_value(setting, "seed")))
    if params["algorithm"] == "nenmf" and "inner_iter" in setting:
        params["inner_iter"] = int(setting["inner_iter"])
    params.update(kwargs)
    return factorize(np.asarray(V, dtype=np.float64), **params).as_dict()
