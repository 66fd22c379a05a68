"""The history, stopping rules, dtypes and as_dict() of factorize()."""
import numpy as np

import nmfab


def _V():
    return np.random.default_rng(0).random((20, 15)) + 0.05


def test_history_layout_and_max_iter():
    res = nmfab.factorize(_V(), 3, max_iter=25, eval_every=10, tol=0)
    assert res.stop_reason == "max_iter" and res.n_iter == 25
    assert list(res.loss_iter) == [0, 10, 20, 25]
    assert res.loss.shape == res.loss_time.shape == (4,)
    assert res.loss_time[0] == 0 and np.all(np.diff(res.loss_time) >= 0)
    assert res.loss_iter.dtype.kind == "i"


def test_tol_stops_when_relative_decrease_is_small():
    res = nmfab.factorize(_V(), 3, max_iter=5000, eval_every=10, tol=1e-3)
    assert res.stop_reason == "tol" and res.n_iter < 5000
    last, prev = res.loss[-1], res.loss[-2]
    assert (prev - last) / prev < 1e-3
    assert np.all(-np.diff(res.loss[:-1]) / res.loss[:-2] >= 1e-3)


def test_max_time_stops():
    res = nmfab.factorize(_V(), 3, max_iter=10 ** 7, tol=0, max_time=0.05)
    assert res.stop_reason == "max_time" and res.n_iter < 10 ** 7
    assert res.loss_time[-1] >= 0.05 and res.loss_iter[-1] == res.n_iter


def test_float32_stays_float32():
    res = nmfab.factorize(_V(), 3, dtype="float32", beta=0.5, max_iter=10)
    assert res.W.dtype == np.float32 and res.H.dtype == np.float32


def test_as_dict_is_a_step_output():
    out = nmfab.factorize(_V(), 3, max_iter=10).as_dict()
    assert set(out) == {"W", "H", "loss", "loss_time", "loss_iter", "n_iter", "stop_reason"}
    assert isinstance(out["n_iter"], int) and isinstance(out["stop_reason"], str)


def test_registry_describes_algorithms():
    specs = nmfab.ALGORITHMS
    assert specs["mu"].betas is None and specs["hals"].betas == (2.0,)
    assert specs["nenmf"].defaults == {"inner_iter": 10}
    assert all(spec.supports_fixed for spec in specs.values())
    assert "l1_H" in specs["mu"].penalties


def test_nenmf_inner_iter_matters():
    V = _V()
    a = nmfab.factorize(V, 3, algorithm="nenmf", max_iter=5, tol=0, inner_iter=1)
    b = nmfab.factorize(V, 3, algorithm="nenmf", max_iter=5, tol=0, inner_iter=20)
    assert b.loss[-1] < a.loss[-1]


def test_input_is_not_modified():
    V = _V()
    V[V < 0.3] = 0.0          # zeros: beta=0 floors the data at eps, on a copy only
    copy = V.copy()
    nmfab.factorize(V, 3, beta=0, max_iter=5)
    assert np.array_equal(V, copy)
