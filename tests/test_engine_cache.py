"""Step cache keys, HDF5 cache files and their recovery."""
import logging
import sys
from dataclasses import replace

import numpy as np
import pytest
import h5py

import engine_task
from engine_task import TASK, make_experiment
from nmfab.experiment import store
from nmfab.experiment.cache import StepCache, step_key
from nmfab.experiment.task import Context
from nmfab.experiment.work import run_item

SETTING = dict(dataset="small", algorithm="mu", beta=2.0, rank=2, max_iter=30, delay=0.0,
               threshold=0.0, fail_track="none")


def chain_keys(setting, steps=TASK.steps, track="t0"):
    keys, upstream = {}, None
    for step in steps:
        upstream = keys[step.name] = step_key(step, setting, track, upstream)
    return keys


def changed(a, b):
    return {name for name in a if a[name] != b[name]}


@pytest.mark.parametrize("factor, value, expected", [
    ("dataset", "tall", {"feature", "factorize", "postprocess", "evaluate"}),
    ("rank", 3, {"factorize", "postprocess", "evaluate"}),
    ("beta", 1.0, {"factorize", "postprocess", "evaluate"}),
    ("threshold", 0.1, {"postprocess", "evaluate"}),
    ("fail_track", "t1", {"evaluate"}),
    ("alpha", 0.9, set()),                 # a hals parameter: mu ignores it
    ("max_iter", 31, {"factorize", "postprocess", "evaluate"}),
])
def test_keys_change_exactly_downstream_of_a_factor(factor, value, expected):
    base = chain_keys(SETTING)
    assert changed(base, chain_keys({**SETTING, factor: value})) == expected


def test_keys_depend_on_track_and_not_on_value_type_spelling():
    assert changed(chain_keys(SETTING), chain_keys(SETTING, track="t1")) == set(
        s.name for s in TASK.steps)
    assert chain_keys(SETTING) == chain_keys({**SETTING, "rank": 2, "beta": 2})


@pytest.mark.parametrize("bumped, expected", [
    ("feature", {"feature", "factorize", "postprocess", "evaluate"}),
    ("factorize", {"factorize", "postprocess", "evaluate"}),
    ("postprocess", {"postprocess", "evaluate"}),
])
def test_version_bump_invalidates_step_and_downstream(bumped, expected):
    steps = [replace(s, version="2" if s.name == bumped else s.version) for s in TASK.steps]
    assert changed(chain_keys(SETTING), chain_keys(SETTING, steps)) == expected


def test_algorithm_parameter_enters_the_key_of_its_algorithm_only():
    hals = {**SETTING, "algorithm": "hals"}
    assert changed(chain_keys(hals), chain_keys({**hals, "alpha": 0.9})) == {
        "factorize", "postprocess", "evaluate"}
    assert chain_keys(hals) == chain_keys({**hals, "alpha": 0.5})   # its default, spelled out


def test_editing_a_step_function_changes_exactly_its_key_and_downstream():
    def postprocess_edited(setting, track, inputs, context):
        return {"H": inputs["factorize"]["H"] * 1.0}

    steps = [replace(s, func=postprocess_edited) if s.name == "postprocess" else s
             for s in TASK.steps]
    assert changed(chain_keys(SETTING), chain_keys(SETTING, steps)) == {"postprocess", "evaluate"}


ALGORITHM_FILE = """
import nmfab

def make(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, gain=1.0):
    def step(W, H):
        H = H * (W.T @ V) / ((W.T @ W) @ H + 1e-12)
        return W, H
    return step

nmfab.register_algorithm(nmfab.AlgorithmSpec("cache_test_algo", make, betas=(2.0,),
                                             params=dict(gain=1.0)))
"""


def test_editing_an_algorithm_file_changes_its_factorize_keys_only(tmp_path, monkeypatch):
    from nmfab.algorithms import ALGORITHMS

    path = tmp_path / "cache_test_algo.py"
    path.write_text(ALGORITHM_FILE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import cache_test_algo  # noqa: F401
    try:
        mine = {**SETTING, "algorithm": "cache_test_algo"}
        before, before_mu = chain_keys(mine), chain_keys(SETTING)
        assert chain_keys(mine) == before
        path.write_text(ALGORITHM_FILE + "\n# a change\n")
        assert changed(before, chain_keys(mine)) == {"factorize", "postprocess", "evaluate"}
        assert chain_keys(SETTING) == before_mu
    finally:
        ALGORITHMS.pop("cache_test_algo")
        sys.modules.pop("cache_test_algo")


def test_store_round_trip_without_pickle(tmp_path):
    data = dict(W=np.arange(6.0).reshape(2, 3), n_iter=12, loss=np.array([3.0, 1.0]),
                stop_reason="tol", ok=True, group=dict(x=1.5, y=np.array([1, 2])))
    store.write_atomic(tmp_path / "a.h5", data)
    back = store.read(tmp_path / "a.h5")
    np.testing.assert_array_equal(back["W"], data["W"])
    assert back["n_iter"] == 12 and isinstance(back["n_iter"], int)
    assert back["stop_reason"] == "tol" and back["ok"] is True and back["group"]["x"] == 1.5
    assert [p.name for p in tmp_path.iterdir()] == ["a.h5"]  # no temporary file left
    with h5py.File(tmp_path / "a.h5", "r") as h5:  # a plain HDF5 file (checksum in its user block)
        assert h5["W"].dtype == np.float64 and h5.userblock_size == 512


def test_object_outputs_rejected(tmp_path):
    with pytest.raises(TypeError, match="neither a numeric array nor a scalar"):
        store.write_atomic(tmp_path / "b.h5", dict(x=[object()]))
    assert not list(tmp_path.iterdir())


def _run(tmp_path, setting=SETTING):
    engine_task.CALLS.clear()
    return run_item(TASK, setting, "t0", Context(None, tmp_path))


def test_cached_steps_reused_and_metric_is_relative_error(tmp_path):
    first = _run(tmp_path)
    assert not any(first["hits"].values())
    second = _run(tmp_path)
    assert engine_task.CALLS["feature"] == 0 and engine_task.CALLS["factorize"] == 0
    assert engine_task.CALLS["postprocess"] == 0 and engine_task.CALLS["evaluate"] == 1
    assert second["hits"] == dict(feature=True, factorize=True, postprocess=True, evaluate=False)
    assert second["metrics"] == first["metrics"]
    keys = chain_keys(SETTING)
    cache = StepCache(tmp_path)
    V = cache.load("feature", keys["feature"])[0]["V"]
    W = cache.load("factorize", keys["factorize"])[0]["W"]
    H = cache.load("postprocess", keys["postprocess"])[0]["H"]
    reference = np.sqrt(np.sum((V - W @ H) ** 2) / np.sum(V ** 2))
    assert first["metrics"]["rel_error"] == pytest.approx(reference, rel=1e-12)


def test_postprocess_change_reuses_feature_and_factorization(tmp_path):
    _run(tmp_path)
    result = _run(tmp_path, {**SETTING, "threshold": 0.1})
    assert engine_task.CALLS["feature"] == 0 and engine_task.CALLS["factorize"] == 0
    assert engine_task.CALLS["postprocess"] == 1
    assert result["hits"] == dict(feature=True, factorize=True, postprocess=False,
                                  evaluate=False)


def test_truncated_cache_file_is_recomputed_with_one_warning(tmp_path, caplog):
    first = _run(tmp_path)
    path = StepCache(tmp_path).path("factorize", chain_keys(SETTING)["factorize"])
    path.write_bytes(path.read_bytes()[:200])
    for post in StepCache(tmp_path).cache_dir.glob("postprocess/*.h5"):
        post.unlink()
    with caplog.at_level(logging.WARNING, logger="nmfab.experiment"):
        second = _run(tmp_path)
    warnings = [r for r in caplog.records if "unreadable cache file" in r.getMessage()]
    assert len(warnings) == 1 and str(path) in warnings[0].getMessage()
    assert engine_task.CALLS["factorize"] == 1 and engine_task.CALLS["feature"] == 0
    assert second["metrics"] == pytest.approx(first["metrics"])
    assert store.read(path)["W"].shape == (12, 2)  # rewritten, readable again


def test_experiment_cache_folder_option(tmp_path):
    exp = make_experiment(tmp_path)
    elsewhere = str(tmp_path / "elsewhere")
    assert exp.main(["-c", "-s", "beta/algorithm=hals", "--cache", elsewhere]) == 0
    assert list((tmp_path / "elsewhere" / "factorize").glob("*.h5"))
    assert not (tmp_path / "data_cache").exists()
