"""Compiled KL-CCD sweep (numba): the variables of :mod:`nmfab.algorithms.kl_ccd` one at a time.

The problem is ``min_X D(V | X A + EPS)`` over the rows of X (R x K), V R x N,
A K x N, the model ``M = X A + EPS`` R x N given (all C-ordered). Rows of X only
touch their own rows of V and M, so :func:`ccd_sweep` runs them in parallel
(``numba.prange``); a row is :func:`_ccd_row`: for each free component k,
``inner_iter`` safeguarded Newton steps on ``X[i, k]``, each followed by the
rank-one update of the model row. The steps, safeguard, fraction to the boundary
and EPS floors are those of :func:`nmfab.algorithms.kl_ccd.ccd_rows` (iterates
equal up to rounding).

One pass over the row (:func:`_move`) does all the O(N) work of a step: it adds
``d * A[k]`` to the model, then with ``q = 1 / M`` (one division per entry,
reused) accumulates the gradient of component k at the new point (for the
safeguard) and the gradient and curvature of the component stepped next (k
again, or the next free one), so a step costs one pass and a rejected
(secant) step a second one.
"""
from contextlib import contextmanager

from ..backend import EPS

try:
    import numba
except ImportError:            # no numba: kl_ccd uses its vectorised path
    numba = None


def _jit(parallel=False):
    """numba.njit with the options of the package's kernels (identity without numba)."""
    def wrap(function):
        if numba is None:
            return function
        return numba.njit(function, cache=True, nogil=True, parallel=parallel,
                          error_model="numpy", fastmath={"contract", "reassoc"})
    return wrap


prange = range if numba is None else numba.prange


@_jit()
def _move(v, m, a, d, c, floor):
    """``m += d * a`` (floored at EPS if ``floor``), then sums over the row at the new model.

    Returns ``(sum a v / m, sum c v / m, sum c**2 v / m**2)``.
    """
    ga = 0.0
    gc = 0.0
    hc = 0.0
    for j in range(v.shape[0]):
        mj = m[j] + d * a[j]
        if floor:
            mj = max(mj, EPS)
        m[j] = mj
        q = 1.0 / mj
        r = v[j] * q
        cr = c[j] * r
        ga += a[j] * r
        gc += cr
        hc += cr * c[j] * q
    return ga, gc, hc


@_jit()
def _ccd_row(v, m, x, A, sums, free, inner_iter, shrink, floor):
    """CCD over the free components of one row ``x`` (model row ``m``), in place."""
    n_free = free.shape[0]
    if n_free == 0:
        return
    k = free[0]
    _, gc, hc = _move(v, m, A[k], 0.0, A[k], False)        # derivatives, model unchanged
    g = sums[k] - gc
    h = max(hc, EPS)
    for p in range(n_free):
        k = free[p]
        c = free[p + 1] if p + 1 < n_free else k           # derivatives needed after the step
        xk = x[k]
        for t in range(inner_iter):
            last = t + 1 == inner_iter
            nxt = c if last else k
            new = max(xk - g / h, shrink * xk)
            d = new - xk
            ga, gc, hc = _move(v, m, A[k], d, A[nxt], floor)
            g_new = sums[k] - ga
            if g > 0 and g_new < -g:                        # not certified: secant point
                keep = g / (g - g_new)
                new = xk + keep * d
                _, gc, hc = _move(v, m, A[k], (keep - 1.0) * d, A[nxt], floor)
            xk = new
            g = sums[nxt] - gc
            h = max(hc, EPS)
        x[k] = xk


@_jit(parallel=True)
def ccd_sweep(V, M, X, A, sums, free, inner_iter, shrink, floor):
    """Hsieh-Dhillon CCD over the free components (int array ``free``) of every row of X.

    ``sums`` are the row sums of A; ``M = X A + EPS`` on entry, kept up to date.
    """
    for i in prange(V.shape[0]):
        _ccd_row(V[i], M[i], X[i], A, sums, free, inner_iter, shrink, floor)


def available():
    """Whether the compiled sweep can run (numba installed)."""
    return numba is not None


def sweep_threads():
    """Threads for :func:`ccd_sweep`: numba's, at most BLAS's current limit.

    threadpoolctl limits (the experiment runner's workers, the benchmarks' one
    thread) do not reach numba's own pool; following them keeps n worker processes
    from running n x numba's threads on the same cores.
    """
    from threadpoolctl import ThreadpoolController

    blas = ThreadpoolController().select(user_api="blas").lib_controllers
    return max(1, min([numba.get_num_threads()] + [c.num_threads for c in blas]))


@contextmanager
def numba_threads(threads):
    """numba's thread count set to ``threads`` inside the block (numba's setting is per thread)."""
    saved = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        yield
    finally:
        numba.set_num_threads(saved)
