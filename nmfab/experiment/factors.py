"""Which factors each step sees, what enters its cache key, and which plan factors are valid.

* A step sees only the factors it declares (:class:`StepSetting`): reading any
  other raises :class:`UndeclaredFactorError`, so a forgotten declaration is a
  loud bug instead of a stale cache entry.
* A step marked ``algorithm=True`` (it runs an NMF algorithm) also sees the
  common factorize factors :data:`FACTORIZE_FACTORS` and every parameter the
  setting's algorithm declares (``AlgorithmSpec.params``); they, and a digest of
  the algorithm's code, are part of its cache key.
* Every plan factor must be declared by a step (or by the task for its own
  use, ``Task.factors``), or be a parameter of an algorithm of that plan.
"""
from collections.abc import Mapping

from .. import algorithms
from ..errors import NmfabError
from .digest import code_digest
from .plan import format_value

#: Factorize factors every algorithm step reads, with their defaults (merged into
#: an experiment's defaults; ``algorithm`` and ``beta`` come from the plans).
#: ``dtype`` is the working precision ("float64" or "float32") of V, W and H.
FACTORIZE_DEFAULTS = dict(max_iter=200, tol=1e-4, eval_every=10, l1_H=0.0, seed=0,
                          dtype="float64")
FACTORIZE_FACTORS = ("algorithm", "beta") + tuple(FACTORIZE_DEFAULTS)


def check_dtype_factor(values, where):
    """Raise one NmfabError line when a ``dtype`` factor value is not a supported dtype name."""
    from ..backend import DTYPES

    for value in values:
        if value not in DTYPES:
            raise NmfabError(f"factor dtype of {where} is {value!r}; use "
                             + " or ".join(repr(name) for name in DTYPES))


class UndeclaredFactorError(NmfabError, KeyError):
    """A step read a factor it does not declare."""

    def __str__(self):
        return self.args[0]


class StepSetting(Mapping):
    """A read-only view of a setting restricted to the factors a step declares."""

    def __init__(self, setting, visible, step_name):
        self._setting, self._visible, self._step = setting, frozenset(visible), step_name

    def _check(self, name):
        if name not in self._visible:
            raise UndeclaredFactorError(
                f"step {self._step!r} reads factor {name!r}, which it does not declare: add it "
                f"to its Step(factors=...) so that it is part of the cache key "
                f"(declared: {', '.join(sorted(self._visible)) or 'none'})")

    def __getitem__(self, name):
        self._check(name)
        if name not in self._setting:
            raise KeyError(f"factor {name!r} has no value in this setting; give it in a plan "
                           "or with set_defaults")
        return self._setting[name]

    def get(self, name, default=None):
        self._check(name)
        return self._setting.get(name, default)

    def __contains__(self, name):
        self._check(name)
        return name in self._setting

    def __iter__(self):
        return iter(sorted(self._visible.intersection(self._setting)))

    def __len__(self):
        return len(self._visible.intersection(self._setting))


def algorithm_params(setting):
    """The declared parameters of the setting's algorithm: values from the setting, else the
    algorithm's defaults, validated (one NmfabError line for a bad value)."""
    spec = algorithms.get(setting["algorithm"])
    return spec.check_params({name: setting[name] for name in spec.params if name in setting})


def visible_factors(step, setting):
    """The factor names ``step`` may read for ``setting``."""
    names = set(step.factors)
    if step.algorithm:
        names.update(FACTORIZE_FACTORS)
        names.update(algorithms.get(setting["algorithm"]).params)
    return names


def key_items(step, setting):
    """What identifies the step's output besides the track and the upstream key.

    The declared factors' values, the step's code digest, and for an algorithm
    step the algorithm's resolved parameters and code digest.
    """
    items = {name: format_value(setting.get(name)) for name in sorted(step.factors)}
    items["<code>"] = code_digest(step.func) + "".join(code_digest(o) for o in step.code)
    if step.algorithm:
        items.update({name: format_value(setting.get(name)) for name in FACTORIZE_FACTORS})
        items.update({name: format_value(value)
                      for name, value in algorithm_params(setting).items()})
        items["<algorithm code>"] = algorithms.code_digest(setting["algorithm"])
    return items


# ------------------------------------------------------------------ plan checks

def task_factors(task):
    """Factors the task's steps (and the task itself) declare."""
    names = set(task.factors)
    for step in task.steps:
        names.update(step.factors)
        if step.algorithm:
            names.update(FACTORIZE_FACTORS)
    return names


def _has_algorithm_step(task):
    return any(step.algorithm for step in task.steps)


def task_defaults(task):
    """The defaults an experiment of ``task`` starts from: factorize ones, then the task's."""
    return dict(FACTORIZE_DEFAULTS if _has_algorithm_step(task) else {}, **task.defaults)


def check_factor_names(task, factors, algorithm_names, where):
    """Raise one NmfabError line for a factor that nothing uses.

    Parameters
    ----------
    task : Task
    factors : iterable of str, or mapping of name to value(s)
        The plan's (or the defaults') factors; given as a mapping, the values of
        ``dtype`` (a factorize factor) are checked too.
    algorithm_names : list of str
        The algorithms the factors may be parameters of (the plan's); an
        algorithm parameter must belong to one of them.
    where : str
        "plan NAME" or "defaults", for the message.
    """
    declared = task_factors(task)
    if isinstance(factors, Mapping) and "dtype" in factors and _has_algorithm_step(task):
        values = factors["dtype"]
        check_dtype_factor(values if isinstance(values, (list, tuple)) else [values], where)
    specs = {}
    if _has_algorithm_step(task):
        specs = {name: algorithms.get(name) for name in algorithm_names}
    usable = declared.union(*(spec.params for spec in specs.values()))
    for factor in factors:
        if factor in usable:
            continue
        owners = sorted(n for n, s in algorithms.ALGORITHMS.items() if factor in s.params)
        hint = (f"; it is a parameter of {', '.join(owners)}, which {where} does not run"
                if owners and specs else "")
        raise NmfabError(f"factor {factor!r} of {where} is used by no step of task {task.name!r} "
                         f"and no algorithm of {where}{hint}; valid factors: "
                         + ", ".join(sorted(usable)))


def unused_parameter(setting, defaults):
    """Why ``setting`` gives its algorithm a parameter it does not declare, or None.

    A parameter of another algorithm at its experiment default is fine (it
    comes from the defaults); any other value would make rows that differ only
    by a factor the algorithm ignores.
    """
    spec = algorithms.ALGORITHMS.get(setting.get("algorithm"))
    if spec is None:
        return None
    others = set(algorithms.parameter_names()) - set(spec.params)
    for name in sorted(others.intersection(setting)):
        if name not in defaults or format_value(defaults[name]) != format_value(setting[name]):
            return f"algorithm {spec.name} has no parameter {name} (put it in its own plan)"
    return None
