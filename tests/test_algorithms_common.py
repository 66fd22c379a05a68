"""The common checks of :mod:`nmfab.testing`, run over every registered algorithm.

A new algorithm (in nmfab, or from an installed plug-in) gets these tests by
registering: the parametrisation reads the registry at collection time.
"""
import numpy as np
import pytest

import nmfab
from nmfab import testing
from nmfab.algorithms import AlgorithmSpec, Interval, Param, register
from nmfab.errors import NmfabError

NAMES = sorted(nmfab.ALGORITHMS)
CASES = [(name, beta) for name in NAMES for beta in testing.algorithm_betas(name)]
LOW_RANK = [(name, beta) for name, beta in CASES if beta in (0.0, 1.0, 2.0)]


@pytest.mark.parametrize("name,beta", CASES)
def test_objective_never_increases(name, beta):
    testing.check_objective_never_increases(name, beta)


@pytest.mark.parametrize("name,beta", CASES)
def test_fixed_parts_bit_identical_or_refused(name, beta):
    testing.check_fixed_parts(name, beta)


@pytest.mark.parametrize("name,beta", CASES)
def test_results_do_not_depend_on_units(name, beta):
    testing.check_units(name, beta)


@pytest.mark.parametrize("name,beta", LOW_RANK)
def test_exact_low_rank_is_recovered(name, beta):
    testing.check_low_rank_recovered(name, beta)


@pytest.mark.parametrize("name,beta", CASES)
def test_torch_cpu_matches_numpy(name, beta):
    pytest.importorskip("torch", reason="torch is optional (extra 'torch'); CI installs it")
    testing.check_torch_parity(name, beta)


@pytest.mark.parametrize("name", NAMES)
def test_bad_parameter_values_are_one_line(name):
    testing.check_bad_params(name)


# --- the checks themselves catch broken algorithms ---------------------------------------

def _make_ascent(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, factor=1.5):
    """Scales H up every iteration: the loss rises (and fixed rows move)."""
    def step(W, H):
        return W, H * factor
    return step


def _make_unfixing(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0):
    """A correct MU step for beta=2 that ignores the masks."""
    def step(W, H):
        W = W * (V @ H.T) / np.maximum(W @ (H @ H.T), 1e-12)
        H = H * (W.T @ V) / np.maximum((W.T @ W) @ H, 1e-12)
        return W, H
    return step


@pytest.fixture
def broken():
    """Register two broken algorithms for the duration of a test."""
    specs = [AlgorithmSpec("t_ascent", _make_ascent, betas=(2.0,), supports_fixed=False,
                           params=dict(factor=Param(1.5, Interval(float, 1, None)))),
             AlgorithmSpec("t_unfixing", _make_unfixing, betas=(2.0,), supports_fixed=True)]
    for spec in specs:
        register(spec)
    yield
    for spec in specs:
        nmfab.ALGORITHMS.pop(spec.name)


def test_checks_catch_a_rising_loss(broken):
    with pytest.raises(AssertionError, match="objective rose"):
        testing.check_objective_never_increases("t_ascent", 2.0)


def test_checks_catch_moving_fixed_parts(broken):
    with pytest.raises(AssertionError, match="fixed W columns moved"):
        testing.check_fixed_parts("t_unfixing", 2.0)


def test_fixing_refused_for_algorithm_without_support(broken):
    testing.check_fixed_parts("t_ascent", 2.0)            # refused in one line: passes
    with pytest.raises(NmfabError, match="cannot keep components fixed"):
        nmfab.factorize(testing.noisy_data(), 4, algorithm="t_ascent",
                        fixed_W=np.array([True, False, False, False]))


def test_declared_parameter_is_validated_and_forwarded(broken):
    with pytest.raises(NmfabError, match=r"parameter factor must be a real number in \[1, inf\)"):
        nmfab.factorize(testing.noisy_data(), 4, algorithm="t_ascent", factor=0.5)
    V = testing.noisy_data()
    one = nmfab.factorize(V, 4, algorithm="t_ascent", factor=1.0, max_iter=3, init="random", seed=0)
    two = nmfab.factorize(V, 4, algorithm="t_ascent", factor=2.0, max_iter=3, init="random", seed=0)
    np.testing.assert_allclose(two.H, one.H * 8)


def test_own_objective_drives_history_and_tol(broken):
    calls = []

    def objective(V, W, H, *, beta, l1_H=0.0, weight=1.0):
        calls.append(weight)
        return 7.0 * weight                            # constant: tol stops at the first check

    def make(V, W, H, *, weight, **kwargs):
        return _make_unfixing(V, W, H, **kwargs)

    register(AlgorithmSpec("t_own", make, betas=(2.0,), objective=objective,
                           params=dict(weight=Param(2.0))))
    try:
        res = nmfab.factorize(testing.noisy_data(), 4, algorithm="t_own", max_iter=50,
                              eval_every=1, tol=1e-6)
    finally:
        nmfab.ALGORITHMS.pop("t_own")
    assert list(res.loss) == [14.0, 14.0] and res.stop_reason == "tol"
    assert set(calls) == {2.0}
