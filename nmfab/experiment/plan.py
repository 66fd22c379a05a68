"""Plans, factor values, setting identifiers and selectors (the doce contract).

A plan is a cartesian grid of factors. A setting is one point of a plan: a dict
factor -> value holding every factor of its plan plus the experiment defaults.
Its identifier lists the factors sorted by name as ``factor=value`` joined with
``+``, leaving out factors at their default value, e.g.
``algorithm=mu+beta=1+dataset=synth_piano+rank=88``.
"""
import itertools
import re
from dataclasses import dataclass

import numpy as np

from ..errors import NmfabError

# Characters that would break identifiers, selectors or file names.
_FORBIDDEN = re.compile(r"[+,:=/\\\s*?\"'<>|]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def format_value(value):
    """Format a factor value as it appears in identifiers and selectors.

    Booleans are ``1``/``0``, floats are written in plain positional notation
    without trailing zeros (``0.1``, ``0.00001``, ``2``), ints and strings as is.

    Parameters
    ----------
    value : bool, int, float or str

    Returns
    -------
    str
    """
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (float, np.floating)):
        return np.format_float_positional(float(value), trim="-")
    return str(value)


def _check_value(factor, value):
    """Raise NmfabError unless ``value`` is a scalar that formats to a safe string."""
    if not isinstance(value, (bool, int, float, str, np.bool_, np.integer, np.floating)):
        raise NmfabError(f"factor {factor}: value {value!r} is not a bool, int, float or str")
    text = format_value(value)
    if not text or _FORBIDDEN.search(text):
        raise NmfabError(f"factor {factor}: value {text!r} must be non-empty and free of "
                         "spaces and the characters + , : = / \\ * ? \" ' < > |")


def _as_values(factor, values):
    """A factor's values as a list of plain Python scalars of one type."""
    if not _NAME.match(factor):
        raise NmfabError(f"factor name {factor!r} must be a Python identifier")
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        values = [values]
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if not values:
        raise NmfabError(f"factor {factor} has no values")
    for value in values:
        _check_value(factor, value)
    kinds = {type(v) for v in values}
    if kinds == {int, float}:
        values = [float(v) for v in values]
    elif len(kinds) > 1:
        raise NmfabError(f"factor {factor}: all values must share one type, got "
                         + ", ".join(sorted(k.__name__ for k in kinds)))
    return values


def _kind(value):
    """The type of a factor value: ``bool``, ``int``, ``float`` or ``str``."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    return "str"


def _at_default(value, default):
    """Whether ``value`` equals ``default`` in type and formatted value (ints and floats
    compare as numbers, as a plan mixing them holds floats)."""
    kinds = {_kind(value), _kind(default)}
    return (len(kinds) == 1 or kinds == {"int", "float"}) and \
        format_value(value) == format_value(default)


def setting_id(setting, defaults):
    """The identifier of ``setting``: sorted ``factor=value`` joined by ``+``, defaults left out."""
    parts = [f"{name}={format_value(value)}" for name, value in sorted(setting.items())
             if not (name in defaults and _at_default(value, defaults[name]))]
    return "+".join(parts)


def setting_key(setting):
    """Every factor of ``setting``, defaults included, with its type: names its row files.

    Unlike :func:`setting_id` it changes when a default changes, so stored rows
    of the old default are not taken for the new one.
    """
    return "+".join(f"{name}={_kind(value)}:{format_value(value)}"
                    for name, value in sorted(setting.items()))


@dataclass
class Plan:
    """One named cartesian grid of factor values."""

    name: str
    factors: dict

    def settings(self, defaults):
        """Yield every setting of the grid (a dict with the defaults filled in)."""
        names = list(self.factors)
        for combination in itertools.product(*(self.factors[n] for n in names)):
            setting = dict(defaults)
            setting.update(zip(names, combination))
            yield setting

    def grid(self, defaults):
        """Factor name -> list of values, defaults included (a plan's values replace them)."""
        merged = {name: [value] for name, value in defaults.items()}
        merged.update(self.factors)
        return merged

    def values(self, defaults):
        """Factor name -> list of values as strings, defaults included."""
        return {name: [format_value(v) for v in vals]
                for name, vals in self.grid(defaults).items()}


def make_plan(name, factors):
    """Build a :class:`Plan`, validating names and values."""
    if not _NAME.match(name):
        raise NmfabError(f"plan name {name!r} must be a Python identifier")
    return Plan(name, {f: _as_values(f, v) for f, v in factors.items()})


def check_defaults(defaults):
    """Validate factor defaults (one scalar each) and return them as plain scalars."""
    return {f: _as_values(f, v)[0] for f, v in defaults.items()}


# ---------------------------------------------------------------- selectors

_BOOL_SPELLINGS = {True: ("1", "true"), False: ("0", "false")}


def _same(value, other):
    """Whether two factor values are equal as values of one type (ints and floats compare
    as numbers, as a plan mixing them holds floats; a bool is never a number)."""
    kinds = {_kind(value), _kind(other)}
    return (len(kinds) == 1 or kinds == {"int", "float"}) and value == other


def _spells(text, value):
    """Whether selector text ``text`` parses, as a value of ``value``'s type, to ``value``:
    ``1``/``true``/``True`` for True, ``1``, ``1.0`` or ``1e0`` for the number 1, a string
    as itself."""
    kind = _kind(value)
    if kind == "bool":
        return text.lower() in _BOOL_SPELLINGS[bool(value)]
    if kind == "str":
        return text == value
    try:
        return float(text) == value
    except ValueError:
        return False


def _valid_values(plans, defaults):
    """Factor -> list of valid values (typed, without repeats) over ``plans``."""
    valid = {}
    for plan in plans:
        for name, vals in plan.grid(defaults).items():
            known = valid.setdefault(name, [])
            known.extend(v for v in vals if not any(_same(v, k) for k in known))
    return valid


def _parse_clause(clause, valid, where):
    """Parse ``f=a+b,g=c`` into {factor: list of selected values}, checking names and values:
    a value is selected by every spelling that parses to it (see :func:`_spells`)."""
    conditions = {}
    for part in filter(None, clause.split(",")):
        factor, eq, values = part.partition("=")
        if not eq or not values:
            raise NmfabError(f"selector part {part!r} must read factor=value[+value...]")
        if factor not in valid:
            raise NmfabError(f"unknown factor {factor!r}{where}; valid factors: "
                             + ", ".join(sorted(valid)))
        wanted = values.split("+")
        selected = {text: [v for v in valid[factor] if _spells(text, v)] for text in wanted}
        unknown = [text for text, found in selected.items() if not found]
        if unknown:
            hint = (f" (a real dataset joins the plans when --data DIR or NMFAB_DATA holds "
                    f"DIR/{unknown[0]}/)" if factor == "dataset" else "")
            raise NmfabError(f"unknown value {unknown[0]!r} for factor {factor}{where}; valid "
                             "values: " + ", ".join(map(format_value, valid[factor])) + hint)
        conditions[factor] = [v for found in selected.values() for v in found]
    return conditions


def parse_selector(selector, plans, defaults):
    """Parse a selector string into a list of (plan names, conditions) alternatives.

    Parameters
    ----------
    selector : str or None
        ``,`` separates factors, ``+`` values of one factor, ``:`` makes a
        union; ``plan/`` or ``plan/f=v`` restricts to a plan.
    plans : dict
        Plan name -> :class:`Plan`.
    defaults : dict

    Returns
    -------
    list of (list of str, dict)
        Each alternative: the plan names it covers and factor -> accepted values.
    """
    if not selector:
        return [(list(plans), {})]
    alternatives = []
    for clause in selector.split(":"):
        names, where = list(plans), ""
        if "/" in clause:
            plan_name, _, clause = clause.partition("/")
            if plan_name not in plans:
                raise NmfabError(f"unknown plan {plan_name!r}; valid plans: "
                                 + ", ".join(plans))
            names, where = [plan_name], f" in plan {plan_name}"
        valid = _valid_values([plans[n] for n in names], defaults)
        alternatives.append((names, _parse_clause(clause, valid, where)))
    return alternatives


def matches(plan_name, setting, alternatives):
    """Whether a setting of plan ``plan_name`` is selected by any alternative."""
    for names, conditions in alternatives:
        if plan_name in names and all(any(_same(setting.get(f), v) for v in vals)
                                      for f, vals in conditions.items()):
            return True
    return False
