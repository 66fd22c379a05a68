"""The same code on torch tensors: torch in, torch out, matching numpy."""
import numpy as np
import pytest

import nmfab

torch = pytest.importorskip("torch", reason="torch is optional (extra 'torch'); CI installs it")

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
