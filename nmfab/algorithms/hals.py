"""Accelerated hierarchical alternating least squares (Gillis & Glineur 2012), beta = 2.

Each outer iteration updates W then H. A factor is updated column by column
(exact minimisation of the Frobenius loss over one nonnegative column), with
the expensive products ``V H^T`` / ``W^T V`` computed once and the sweep
repeated while it is cheap relative to that product and still improving
(``1 + alpha * rho`` sweeps at most, stopping when a sweep changes the factor
by less than ``delta`` times the first sweep's change). Every column update is
a descent step, so the loss never increases; fixed columns/rows are skipped.
"""


from ..backend import clip_nonneg, floor_, namespace, scalar
from . import AlgorithmSpec, Interval, Param, register


def _sweep(X, A, B, free):
    """One pass over the free columns of X (F x K): minimise ||A - X B||-type quadratic.

    Returns the squared norm of the change.
    """
    xp = namespace(X)
    diag = floor_(xp.linalg.diagonal(B) * 1.0)
    change = 0.0
    for k in free:
        old = X[:, k]
        new = clip_nonneg(old + (A[:, k] - X @ B[:, k]) / diag[k])
        diff = new - old
        change = change + xp.sum(diff * diff)
        X[:, k] = new
    return scalar(change)


def hals_update(X, A, B, free, max_sweeps, delta):
    """Accelerated HALS update of X given A = (data) x (other factor)^T and Gram B."""
    first = _sweep(X, A, B, free)
    for _ in range(max_sweeps - 1):
        if _sweep(X, A, B, free) <= delta * delta * first:
            break
    return X


def _n_sweeps(F, T, K, alpha):
    """1 + alpha * rho sweeps, rho = cost of the products / cost of one sweep."""
    return int(1 + alpha * (1 + (F * T + T * K) / (F * (K + 1))))


def make_hals(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, alpha=0.5, delta=0.1):
    """Build the one-iteration HALS step (W then H)."""
    F, T = V.shape
    K = W.shape[1]
    free_W = [k for k in range(K) if fixed_W is None or not fixed_W[k]]
    free_H = [k for k in range(K) if fixed_H is None or not fixed_H[k]]
    sweeps_W = _n_sweeps(F, T, K, alpha)
    sweeps_H = _n_sweeps(T, F, K, alpha)

    def step(W, H):
        hals_update(W, V @ H.T, H @ H.T, free_W, sweeps_W, delta)
        Ht = H.T                      # a view: column sweeps of H^T update H in place
        WtW = W.T @ W
        hals_update(Ht, (W.T @ V).T, WtW, free_H, sweeps_H, delta)
        return W, H

    return step


register(AlgorithmSpec(
    name="hals", make=make_hals, betas=(2.0,), supports_fixed=True, penalties=(),
    params=dict(alpha=Param(0.5, Interval(float, 0, None),
                            "extra sweeps per outer iteration, relative to the products' cost"),
                delta=Param(0.1, Interval(float, 0, 1),
                            "stop sweeping when a sweep changes less than delta x the first")),
    description="accelerated hierarchical alternating least squares, Frobenius loss"))


