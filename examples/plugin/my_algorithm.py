"""A researcher's NMF variant, in their own file: projected gradient for the Frobenius loss.

Each iteration takes one projected gradient step on W, then one on H, of size
``step / L`` where ``L`` is the Frobenius norm of the Gram matrix (an upper
bound of the gradient's Lipschitz constant). For ``0 < step < 2`` every step
decreases the loss. Importing this file registers the algorithm ``pg``; its
declared parameter ``step`` can then be a factor of any experiment plan.
"""
import nmfab


def lipschitz(gram):
    """Frobenius norm of a Gram matrix (>= its spectral norm)."""
    return float((gram * gram).sum() ** 0.5)


def make_pg(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, step=1.0):
    """Build one iteration (nmfab owns init, loss records, timing and stopping)."""
    def update(W, H):
        HHt = H @ H.T
        W = (W - step / lipschitz(HHt) * (W @ HHt - V @ H.T)).clip(min=0)
        WtW = W.T @ W
        H = (H - step / lipschitz(WtW) * (WtW @ H - W.T @ V)).clip(min=0)
        return W, H

    return update


nmfab.register_algorithm(nmfab.AlgorithmSpec(
    name="pg", make=make_pg, betas=(2.0,), supports_fixed=False,
    params=dict(step=nmfab.Param(1.0, nmfab.Interval(float, 0, 2, closed="neither"),
                                 "step size in units of 1/L")),
    description="projected gradient, Frobenius loss"))
