"""The same code on torch tensors: torch in, torch out, matching numpy."""
import numpy as np
import pytest

import nmfab

torch = pytest.importorskip("torch", reason="torch is optional (extra 'torch'); CI installs it")

CASES = [("mu", 2.0), ("mu", 1.0), ("mu", 0.0), ("mu", 0.5), ("mu", 3.0), ("hals", 2.0),
         ("nenmf", 2.0)]


@pytest.mark.parametrize("algorithm,beta", CASES)
def test_torch_cpu_matches_numpy(algorithm, beta):
    V = np.random.default_rng(1).random((40, 30)) + 0.1
    kwargs = dict(algorithm=algorithm, beta=beta, init="random", seed=0, max_iter=30, tol=0,
                  fixed_W=np.array([True, False, False, False, False]))
    ref = nmfab.factorize(V, 5, **kwargs)
    res = nmfab.factorize(torch.from_numpy(V), 5, **kwargs)
    assert isinstance(res.W, torch.Tensor) and isinstance(res.H, torch.Tensor)
    assert res.W.dtype == torch.float64 and res.W.device == torch.device("cpu")
    for ours, theirs in ((res.W, ref.W), (res.H, ref.H)):
        assert np.abs(ours.numpy() - theirs).max() / np.abs(theirs).max() < 1e-6
    np.testing.assert_allclose(res.loss, ref.loss, rtol=1e-6)
    assert res.as_dict()["W"].__class__ is np.ndarray


def test_torch_float32_and_l1():
    V = torch.rand(30, 20, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    res = nmfab.factorize(V, 4, beta=1, dtype="float32", max_iter=20, l1_H=0.1, eval_every=1,
                          tol=0)
    assert res.W.dtype == torch.float32 and res.H.dtype == torch.float32
    assert np.all(np.diff(res.loss) <= 1e-5 * res.loss[0])


def test_estimator_on_torch():
    X = torch.rand(25, 15, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    est = nmfab.NMF(3, max_iter=20)
    A = est.fit_transform(X)
    assert isinstance(A, torch.Tensor) and A.shape == (25, 3)
    assert isinstance(est.transform(X), torch.Tensor)
