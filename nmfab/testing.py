"""The checks every registered NMF algorithm must pass (like scikit-learn's common checks).

``tests/test_algorithms_common.py`` runs them over :data:`nmfab.ALGORITHMS`, so
an algorithm gets them by registering. A researcher can run them on their own
algorithm from their own tests::

    import my_algorithm                      # registers "pg"
    from nmfab.testing import check_algorithm
    check_algorithm("pg")

Each check raises AssertionError (or NmfabError) with a message saying what
broke; the torch check raises :class:`unittest.SkipTest` when torch is absent.
"""
import unittest

import numpy as np

from .algorithms import get
from .errors import NmfabError
from .nmf import factorize

ANY_BETA = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)   # betas checked for algorithms that take any beta
SHAPE, RANK = (30, 40), 4


def algorithm_betas(name, betas=ANY_BETA):
    """The betas checked for algorithm ``name``: its declared ones, or ``betas``."""
    spec = get(name)
    return tuple(spec.betas) if spec.betas is not None else tuple(betas)


def low_rank_data(seed=3, shape=SHAPE, rank=RANK):
    """An exactly rank-``rank`` nonnegative matrix."""
    rng = np.random.default_rng(seed)
    return rng.random((shape[0], rank)) @ rng.random((rank, shape[1]))


def noisy_data(seed=5):
    """Low-rank data plus uniform noise (strictly positive)."""
    return low_rank_data(seed) + np.random.default_rng(seed).random(SHAPE)


def _masks():
    return np.array([True, False, False, True]), np.array([False, True, False, True])


def check_objective_never_increases(name, beta):
    """The loss (the algorithm's own objective) never increases, with and without masks."""
    spec = get(name)
    cases = [{}]
    if spec.supports_fixed:
        fixed_W, fixed_H = _masks()
        cases += [dict(fixed_W=fixed_W), dict(fixed_W=fixed_W, fixed_H=fixed_H)]
    if "l1_H" in spec.penalties:
        cases.append(dict(l1_H=0.5))
    for kwargs in cases:
        res = factorize(noisy_data(), RANK, algorithm=name, beta=beta, init="random", seed=0,
                        max_iter=60, eval_every=1, tol=0, **kwargs)
        rise = np.diff(res.loss).max()
        assert rise <= 1e-10 * abs(res.loss[0]), \
            f"{name} (beta={beta:g}, {kwargs or 'no masks'}): the objective rose by {rise:.3g}"
        assert res.loss[-1] < res.loss[0], f"{name} (beta={beta:g}): the objective did not decrease"


def check_fixed_parts(name, beta):
    """Fixed W columns / H rows come back bit-identical (or masks are refused in one line).

    For an algorithm whose W has several blocks of columns (``AlgorithmSpec.w_blocks``), a
    fixed component is that column in every block.
    """
    spec = get(name)
    blocks = spec.n_blocks(spec.defaults)
    rng = np.random.default_rng(9)
    W0, H0 = rng.random((SHAPE[0], RANK * blocks)) + 0.05, rng.random((RANK, SHAPE[1])) + 0.05
    fixed_W, fixed_H = _masks()
    kwargs = dict(W0=W0, H0=H0, algorithm=name, beta=beta, max_iter=15, tol=0,
                  fixed_W=fixed_W, fixed_H=fixed_H)
    if not get(name).supports_fixed:
        try:
            factorize(noisy_data(), **kwargs)
        except NmfabError as error:
            assert "fixed" in str(error) and "\n" not in str(error), str(error)
            return
        raise AssertionError(f"{name} declares supports_fixed=False but accepted fixed masks")
    res = factorize(noisy_data(), **kwargs)
    fixed_W = np.tile(fixed_W, blocks)
    assert np.array_equal(res.W[:, fixed_W], W0[:, fixed_W]), f"{name}: fixed W columns moved"
    assert np.array_equal(res.H[fixed_H], H0[fixed_H]), f"{name}: fixed H rows moved"
    assert not np.array_equal(res.W[:, ~fixed_W], W0[:, ~fixed_W]), f"{name}: free W never moved"
    assert not np.array_equal(res.H[~fixed_H], H0[~fixed_H]), f"{name}: free H never moved"


def check_low_rank_recovered(name, beta, max_iter=3000, tolerance=1e-2):
    """Exactly low-rank data is fitted to a small relative Frobenius error."""
    V = low_rank_data()
    res = factorize(V, RANK, algorithm=name, beta=beta, init="random", seed=0,
                    max_iter=max_iter, tol=1e-12, eval_every=50)
    model = get(name).reconstruct(res.W, res.H, res.info["params"])
    error = np.linalg.norm(V - model) / np.linalg.norm(V)
    assert error < tolerance, f"{name} (beta={beta:g}): relative error {error:.3g} on rank-{RANK} data"


def check_units(name, beta, units=(1e-8, 1e6), rtol=1e-5):
    """Results do not depend on the data's units, for algorithms run on rescaled data.

    For ``AlgorithmSpec.rescale_data``: the objective scales as declared,
    ``objective(V/s, W, H/s) = s**-beta objective(V, W, H)``, and the model and the
    loss of a run on ``V * u`` are those of the run on V, times u and ``u**beta``.
    Algorithms that see V as given are not checked.
    """
    spec = get(name)
    if not spec.rescale_data:
        return
    V = noisy_data()
    params = spec.check_params({})
    rng = np.random.default_rng(2)
    W, H = rng.random((V.shape[0], RANK * spec.n_blocks(params))), rng.random((RANK, V.shape[1]))
    s = 1e-3                    # V / s well above the absolute EPS of the model
    scaled = spec.objective(V / s, W, H / s, beta=beta, l1_H=0.0, **params) * s ** beta
    assert np.isclose(scaled, spec.objective(V, W, H, beta=beta, l1_H=0.0, **params),
                      rtol=1e-5), f"{name} (beta={beta:g}): the objective does not scale with V"
    kwargs = dict(algorithm=name, beta=beta, init="nndsvda", max_iter=30, tol=0, eval_every=10)
    ref = factorize(V, RANK, **kwargs)
    for u in units:
        res = factorize(V * u, RANK, **kwargs)
        for ours, theirs, what in ((spec.reconstruct(res.W, res.H, params),
                                    spec.reconstruct(ref.W, ref.H, params) * u, "model"),
                                   (res.loss, ref.loss * u ** beta, "loss")):
            gap = np.abs(ours - theirs).max() / np.abs(theirs).max()
            assert gap < rtol, f"{name} (beta={beta:g}): in units x{u:g}, the {what} " \
                               f"differs by {gap:.3g}"


def check_torch_parity(name, beta, rtol=1e-6):
    """The same run on torch CPU tensors matches numpy and returns torch tensors."""
    try:
        import torch
    except ImportError:
        raise unittest.SkipTest("torch is optional (extra 'torch')") from None
    V = np.random.default_rng(1).random((40, 30)) + 0.1
    kwargs = dict(algorithm=name, beta=beta, init="random", seed=0, max_iter=30, tol=0)
    if get(name).supports_fixed:
        kwargs["fixed_W"] = np.array([True, False, False, False, False])
    ref = factorize(V, 5, **kwargs)
    res = factorize(torch.from_numpy(V), 5, **kwargs)
    assert isinstance(res.W, torch.Tensor) and isinstance(res.H, torch.Tensor), \
        f"{name}: torch in did not give torch out"
    for ours, theirs, what in ((res.W, ref.W, "W"), (res.H, ref.H, "H")):
        gap = np.abs(ours.numpy() - theirs).max() / np.abs(theirs).max()
        assert gap < rtol, f"{name} (beta={beta:g}): torch {what} differs from numpy by {gap:.3g}"
    np.testing.assert_allclose(res.loss, ref.loss, rtol=rtol)


def check_bad_params(name):
    """Each declared parameter rejects a bad value, and an unknown one is refused, in one line."""
    spec = get(name)
    beta = algorithm_betas(name)[0]
    bad = {pname: p.invalid_example() for pname, p in spec.params.items()}
    bad["__no_such_parameter__"] = 1
    for pname, value in bad.items():
        try:
            factorize(noisy_data(), RANK, algorithm=name, beta=beta, max_iter=1, **{pname: value})
        except NmfabError as error:
            message = str(error)
            assert pname in message and "\n" not in message, message
            continue
        raise AssertionError(f"{name} accepted {pname}={value!r}")


def check_algorithm(name):
    """Every check, for every beta the algorithm declares (a subset of :data:`ANY_BETA`)."""
    check_bad_params(name)
    for beta in algorithm_betas(name):
        check_objective_never_increases(name, beta)
        check_fixed_parts(name, beta)
        check_units(name, beta)
        if beta in (0.0, 1.0, 2.0):
            check_low_rank_recovered(name, beta)
        try:
            check_torch_parity(name, beta)
        except unittest.SkipTest:
            pass
