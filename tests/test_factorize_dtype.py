"""The ``dtype`` factorize factor: float32 and float64 settings of one plan, and its check."""
import numpy as np
import pytest

from engine_task import make_experiment
from nmfab.errors import NmfabError
from nmfab.tasks.common import factorize_setting


def test_dtype_plan_runs_both_precisions_with_close_scores(tmp_path):
    exp = make_experiment(tmp_path)
    exp.add_plan("precision", algorithm=["mu", "hals"], rank=3, dtype=["float32", "float64"])
    assert exp.main(["-c", "1", "-s", "precision/"]) == 0
    frame = exp.results()
    assert set(frame["dtype"].astype(str)) == {"float32", "float64"}
    by = frame.set_index(["algorithm", "dtype", "track"])["rel_error"].sort_index()
    for algorithm in ("mu", "hals"):
        single, double = by[algorithm]["float32"], by[algorithm]["float64"]
        assert len(single) == 3
        np.testing.assert_allclose(single.values, double.values, rtol=1e-3)
        assert not np.array_equal(single.values, double.values)   # really ran in float32


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_factorize_setting_works_in_the_dtype(dtype):
    V = np.random.default_rng(0).random((20, 15))
    out = factorize_setting(V, dict(algorithm="mu", beta=1.0, dtype=dtype), rank=3,
                            init="random")
    assert out["W"].dtype == np.dtype(dtype) and out["H"].dtype == np.dtype(dtype)


@pytest.mark.parametrize("where", ["plan", "defaults"])
def test_bad_dtype_is_one_line(tmp_path, where):
    exp = make_experiment(tmp_path)
    with pytest.raises(NmfabError) as error:
        if where == "plan":
            exp.add_plan("precision", algorithm="mu", rank=3, dtype=["float32", "float16"])
        else:
            exp.set_defaults(dtype="half")
    message = str(error.value)
    assert "\n" not in message and "dtype" in message and "'float32'" in message
