"""Selectors compare parsed values of the factor's type: every spelling of a valid value
selects it (``beta=1.0``, ``rank=3.0``, ``fixed_W=true``)."""
import pytest

from engine_task import make_experiment
from nmfab.errors import NmfabError
from nmfab.experiment.plan import make_plan, matches, parse_selector


def ids(exp, selector=None):
    return [sid for sid, _ in exp.settings(selector)[0]]


@pytest.mark.parametrize("spelling", ["1", "1.0", "1.00", "1e0"])
def test_float_factor_any_spelling(tmp_path, spelling):
    exp = make_experiment(tmp_path)
    assert ids(exp, f"beta={spelling}") == ["algorithm=mu+beta=1+dataset=tall+rank=3"]


@pytest.mark.parametrize("spelling", ["3", "3.0", "3e0"])
def test_int_factor_any_spelling(tmp_path, spelling):
    exp = make_experiment(tmp_path)
    assert ids(exp, f"rank={spelling}") == ids(exp, "rank=3") and len(ids(exp, "rank=3")) == 7


def test_default_float_any_spelling(tmp_path):
    exp = make_experiment(tmp_path)
    assert ids(exp, "threshold=0.0") == ids(exp, "threshold=0") and len(ids(exp, "threshold=0")) == 7
    assert ids(exp, "beta=2.0+1.0,dataset=tall") == ids(exp, "beta=2+1,dataset=tall")


@pytest.mark.parametrize("selector, message", [
    ("rank=3.5", "unknown value '3.5' for factor rank.*valid values: 2, 3"),
    ("beta=one", "unknown value 'one' for factor beta.*valid values: 2, 1"),
    ("rank=true", "unknown value 'true' for factor rank"),
])
def test_values_that_parse_to_nothing_valid_stay_errors(tmp_path, selector, message):
    with pytest.raises(NmfabError, match=message):
        make_experiment(tmp_path).settings(selector)


def _selected(plan, defaults, selector):
    alternatives = parse_selector(selector, {plan.name: plan}, defaults)
    return [s["fixed_W"] for s in plan.settings(defaults) if matches(plan.name, s, alternatives)]


@pytest.mark.parametrize("spelling, expected", [
    ("True", [True]), ("true", [True]), ("1", [True]), ("TRUE", [True]),
    ("False", [False]), ("false", [False]), ("0", [False]), ("1+0", [True, False])])
def test_bool_factor_any_spelling(spelling, expected):
    plan = make_plan("fixed", dict(fixed_W=[True, False]))
    assert _selected(plan, {}, f"fixed_W={spelling}") == expected


@pytest.mark.parametrize("spelling", ["yes", "1.0", "2"])
def test_bool_factor_other_spellings_rejected(spelling):
    plan = make_plan("fixed", dict(fixed_W=[True, False]))
    with pytest.raises(NmfabError, match=f"unknown value '{spelling}'.*valid values: 1, 0"):
        parse_selector(f"fixed_W={spelling}", {"fixed": plan}, {})


def test_string_factor_compares_exactly():
    plan = make_plan("names", dict(dataset=["a1", "01"]))
    assert [s["dataset"] for s in plan.settings({})
            if matches("names", s, parse_selector("dataset=01", {"names": plan}, {}))] == ["01"]
    with pytest.raises(NmfabError, match="unknown value '1' for factor dataset"):
        parse_selector("dataset=1", {"names": plan}, {})
