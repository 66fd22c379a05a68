"""What an algorithm declares: its parameters (with their constraints) and its objective.

Modelled on scikit-learn's declared parameter constraints: each parameter is a
:class:`Param` with a default and a constraint (:class:`Interval`, a tuple of
options, or a type), validated before any work with one clear error line. The
names of the declared parameters are what experiment plans may use as factors.
"""
import math
import numbers
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

from ..divergences import beta_divergence, l1_penalty
from ..errors import NmfabError


@dataclass(frozen=True)
class Interval:
    """Real (or integer) numbers between ``low`` and ``high`` (None: unbounded).

    Examples
    --------
    >>> Interval(float, 0, None, closed="neither").describe()
    'a real number in (0, inf)'
    """

    kind: type = float
    low: Optional[float] = None
    high: Optional[float] = None
    closed: str = "both"        # "both", "left", "right" or "neither"

    def describe(self):
        """The constraint in words, for error messages."""
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        noun = "an integer" if self.kind is int else "a real number"
        return f"{noun} in {left}{low}, {high}{right}"

    def accepts(self, value):
        """Whether ``value`` is of the right kind and inside the interval."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind is int and int(value) != value or not math.isfinite(value):
            return False
        if self.low is not None and (value < self.low or (
                value == self.low and self.closed not in ("both", "left"))):
            return False
        return self.high is None or value < self.high or (
            value == self.high and self.closed in ("both", "right"))

    def coerce(self, value):
        return int(value) if self.kind is int else float(value)

    def invalid_example(self):
        """A value that violates the constraint (for the common checks)."""
        return (self.low - 1) if self.low is not None else (self.high + 1)


@dataclass(frozen=True)
class Param:
    """One declared algorithm parameter.

    Parameters
    ----------
    default : bool, int, float or str
    constraint : Interval, tuple of options, or type, optional
        Default: values of the default's type (ints accepted for floats).
    doc : str
        One line for ``nmfab.ALGORITHMS[name].describe()`` and the README.

    Examples
    --------
    >>> Param(0.5, Interval(float, 0, None)).validate("alpha", 2)
    2.0
    """

    default: object
    constraint: object = None
    doc: str = ""

    def _constraint(self):
        if self.constraint is not None:
            return self.constraint
        if isinstance(self.default, bool):
            return bool
        if isinstance(self.default, int):
            return Interval(int)
        if isinstance(self.default, float):
            return Interval(float)
        return type(self.default)

    def describe(self):
        rule = self._constraint()
        if isinstance(rule, Interval):
            return rule.describe()
        if isinstance(rule, tuple):
            return "one of " + ", ".join(repr(v) for v in rule)
        return f"a {rule.__name__}"

    def validate(self, name, value, owner="algorithm"):
        """``value`` coerced to the parameter's type; NmfabError in one line otherwise."""
        rule = self._constraint()
        if isinstance(rule, Interval):
            ok = rule.accepts(value)
        elif isinstance(rule, tuple):
            ok = value in rule
        elif rule is bool:
            ok = isinstance(value, (bool,)) or value in (0, 1)
        else:
            ok = isinstance(value, rule)
        if not ok:
            raise NmfabError(f"{owner} parameter {name} must be {self.describe()}, "
                             f"got {value!r}")
        if isinstance(rule, Interval):
            return rule.coerce(value)
        return bool(value) if rule is bool else value

    def invalid_example(self):
        """A value the constraint rejects (used by :mod:`nmfab.testing`)."""
        rule = self._constraint()
        if isinstance(rule, Interval):
            return rule.invalid_example() if (rule.low, rule.high) != (None, None) else "x"
        if isinstance(rule, tuple):
            return "__not_an_option__"
        return object() if rule is not str else 1.5


def default_objective(V, W, H, *, beta, l1_H=0.0, **params):
    """Beta-divergence plus the optional L1 penalty on H (``mu``'s, ``hals``'s, ... objective)."""
    return beta_divergence(V, W, H, beta) + l1_penalty(W, H, l1_H)


@dataclass(frozen=True)
class AlgorithmSpec:
    """What an algorithm is and supports.

    Attributes
    ----------
    name : str
        The value of the ``algorithm`` factor.
    make : callable
        ``make(V, W, H, *, beta, fixed_W, fixed_H, l1_H, **params) -> step`` where
        ``step(W, H) -> (W, H)`` runs one iteration (see :mod:`nmfab.algorithms`).
        A step may carry an attribute ``step.objective(V, W, H) -> float``: this
        run's objective, when it depends on state that ``make`` fixed (``minvol``'s
        weight, taken from the initial point); the driver then records it instead
        of ``objective``.
    betas : tuple of float or None
        Supported betas; None for any real beta.
    supports_fixed : bool
        Whether masks of fixed W columns / H rows are honoured (checked by
        :func:`nmfab.factorize`: masks given to an algorithm without it are an error).
    penalties : tuple of str
        Supported built-in penalties (``"l1_H"``).
    params : dict
        Declared parameters: name -> :class:`Param` (a bare value is a
        ``Param(value)``). Each one can be a factor of any experiment plan.
    objective : callable, optional
        ``objective(V, W, H, *, beta, l1_H, **params) -> float``, the quantity
        the algorithm decreases (divergence plus its own penalties). Default:
        :func:`default_objective`. The loss history, ``tol`` and the common
        monotonicity checks use it.
    description : str
    w_blocks : str, optional
        Name of a declared integer parameter B for an algorithm whose W holds B
        blocks of ``rank`` columns side by side (F x B*rank; ``nmfd``: its
        ``n_lags`` template frames, lag-major) while H stays rank x T. ``rank``
        and the fixed masks still count components (a fixed W component is all
        its blocks); an init computed from V is repeated over the blocks and
        divided by B; W0 must be F x B*rank. Default: None (W is F x rank).
    model : callable, optional
        ``model(W, H, **params) -> array (F, T)``, what the factors reconstruct,
        used by the common checks. Default: ``W @ H``.
    rescale_data : bool, optional
        Whether :func:`nmfab.factorize` may run the algorithm on V in units of
        its mean (see :func:`nmfab.nmf.data_scale`), which keeps the absolute
        eps rule harmless for very small or large data. Declare True when the
        objective scales with the data: ``objective(V/s, W, H/s) = s**-beta *
        objective(V, W, H)`` for penalties whose weights are relative to V (the
        common check ``check_units`` verifies it). Default: True for the default
        objective (its L1 weight is rescaled by the driver), False otherwise.
    """

    name: str
    make: Callable
    betas: Optional[Tuple[float, ...]] = None
    supports_fixed: bool = True
    penalties: Tuple[str, ...] = ()
    params: dict = field(default_factory=dict)
    objective: Callable = default_objective
    description: str = ""
    w_blocks: Optional[str] = None
    model: Optional[Callable] = None
    rescale_data: Optional[bool] = None

    def __post_init__(self):
        if self.objective is None:
            object.__setattr__(self, "objective", default_objective)
        if self.rescale_data is None:
            object.__setattr__(self, "rescale_data", self.objective is default_objective)
        params = {name: p if isinstance(p, Param) else Param(p)
                  for name, p in dict(self.params).items()}
        object.__setattr__(self, "params", params)
        if self.w_blocks is not None and self.w_blocks not in params:
            raise NmfabError(f"algorithm {self.name!r}: w_blocks={self.w_blocks!r} must name "
                             f"one of its declared parameters {sorted(params)}")
        if self.betas is not None:
            object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))

    @property
    def defaults(self):
        """Parameter name -> default value."""
        return {name: p.default for name, p in self.params.items()}

    def n_blocks(self, params):
        """Blocks of ``rank`` columns in W for the validated ``params`` (see ``w_blocks``)."""
        return 1 if self.w_blocks is None else int(params[self.w_blocks])

    def reconstruct(self, W, H, params):
        """What the factors reconstruct: ``model(W, H, **params)``, by default ``W @ H``."""
        return W @ H if self.model is None else self.model(W, H, **params)

    def supports(self, beta):
        """Whether the algorithm handles ``beta``."""
        return self.betas is None or float(beta) in self.betas

    def check_params(self, values):
        """The full parameter dict (defaults filled), each value validated.

        Raises NmfabError in one line for an unknown name or a bad value.
        """
        unknown = sorted(set(values) - set(self.params))
        if unknown:
            raise NmfabError(f"algorithm {self.name!r} has no parameter {unknown[0]!r}; "
                             f"its parameters are {sorted(self.params) or 'none'}")
        owner = f"algorithm {self.name!r}"
        return {name: p.validate(name, values.get(name, p.default), owner)
                for name, p in self.params.items()}

    def describe(self):
        """Several lines: name, betas, fixing, parameters with defaults and constraints."""
        betas = "any" if self.betas is None else ", ".join(f"{b:g}" for b in self.betas)
        lines = [f"{self.name}: {self.description}",
                 f"  beta: {betas}; fixed parts: {'yes' if self.supports_fixed else 'no'}"]
        lines += [f"  {name} = {p.default!r}: {p.describe()}{'; ' + p.doc if p.doc else ''}"
                  for name, p in self.params.items()]
        return "\n".join(lines)
