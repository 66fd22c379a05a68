"""Speed of nmfab's NMF algorithms against scikit-learn and the GEMM bound (not a test).

Prints, for V of F x T (1025 x 2000 and 1025 x 5168), rank 88, beta in {2, 1, 0, 0.5},
float64 and float32, from the same initial factors:

* ms per iteration of nmfab ``mu`` and scikit-learn ``NMF(solver="mu")`` (medians of
  interleaved repetitions) and their ratio;
* the ratio of nmfab's time to the plain GEMM cost: the measured time of one
  F x K x T product times the number of such products one iteration needs
  (2 for beta=2, 4 for beta=1, 6 otherwise), for the whole call (``/GEMM``) and
  for its iterations alone (``it/GEMM``: the run's own clock, ``loss_time``, which
  stops while the loss is evaluated, so validation, rescaling and the two loss
  evaluations, fixed costs of a call, are out);
* for ``hals`` and ``nenmf`` (beta=2, float64): scikit-learn MU's time for 200
  iterations divided by their time to reach the loss scikit-learn has then;
* ``hals`` against ``mu`` (beta=2) per iteration at the transcription experiment's
  size (513 x 431, ranks 32 and 88): ms per iteration and their ratio;
* the peak memory (tracemalloc) of one ``mu`` run, in units of one F x T array.

Both per-iteration times are the wall time of one whole call divided by the
number of iterations, fixed costs included (nmfab evaluates the loss twice,
scikit-learn once, with ``tol=0``). Use ``--quick`` for a smoke run, ``--threads N``
to cap the BLAS threads (``--threads 1`` is steadier on a loaded machine).
Run: ``python benchmarks/bench_algorithms.py [--quick] [--threads N]``.
"""
import argparse
import time
import tracemalloc
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import nmfab
from nmfab.divergences import beta_divergence
from nmfab.init import initialize

try:
    from sklearn.decomposition import non_negative_factorization
except ImportError:  # pragma: no cover
    raise SystemExit("the benchmark compares against scikit-learn: pip install scikit-learn")

GEMMS = {2.0: 2, 1.0: 4}


def make_problem(F, T, K, dtype, seed=0):
    """A positive spectrogram-like V (low rank plus noise) and NNDSVDa factors."""
    rng = np.random.default_rng(seed)
    V = rng.gamma(0.5, size=(F, 2 * K)) @ rng.gamma(0.5, size=(2 * K, T))
    V += 0.01 * rng.random((F, T))
    W0, H0, _ = initialize(V, K, "nndsvda")
    return V.astype(dtype), W0.astype(dtype), H0.astype(dtype)


def time_sklearn(V, W0, H0, beta, n_iter):
    """Wall seconds of n_iter scikit-learn MU iterations (with its fixed costs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        W, H, _ = non_negative_factorization(V, W0.copy(), H0.copy(), n_components=W0.shape[1],
                                             init="custom", solver="mu", beta_loss=beta,
                                             max_iter=n_iter, tol=0)
        return time.perf_counter() - start, W, H


def nmfab_ms(V, W0, H0, beta, n_iter):
    """Wall ms per iteration of a whole nmfab mu call (validation and 2 loss evaluations in),
    and of its iterations alone (the run's own clock, paused while the loss is evaluated)."""
    start = time.perf_counter()
    res = nmfab.factorize(V, W0=W0, H0=H0, beta=beta, max_iter=n_iter, tol=0,
                          eval_every=n_iter, dtype=V.dtype.name)
    return 1e3 * (time.perf_counter() - start) / n_iter, 1e3 * res.loss_time[-1] / n_iter


def sklearn_ms(V, W0, H0, beta, n_iter):
    """Wall ms per iteration of a whole scikit-learn mu call (validation and 1 loss evaluation)."""
    return 1e3 * time_sklearn(V, W0, H0, beta, n_iter)[0] / n_iter


def gemm_ms(V, W0, H0, reps):
    """Median ms of one F x K x T product in V's dtype."""
    out = np.empty_like(V)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        np.matmul(W0, H0, out=out)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def speed_rows(shapes, K, betas, dtypes, n_iter, reps):
    """One row per (shape, dtype, beta): medians of interleaved repetitions."""
    rows = []
    for F, T in shapes:
        for dtype in dtypes:
            V, W0, H0 = make_problem(F, T, K, dtype)
            for beta in betas:
                ours, steps, theirs, gemms = [], [], [], []
                for _ in range(reps):            # interleaved: GEMM, nmfab, sklearn, GEMM, ...
                    gemms.append(gemm_ms(V, W0, H0, 5))
                    call, iterations = nmfab_ms(V, W0, H0, beta, n_iter)
                    ours.append(call)
                    steps.append(iterations)
                    theirs.append(sklearn_ms(V, W0, H0, beta, n_iter))
                o, s = float(np.median(ours)), float(np.median(theirs))
                bound = GEMMS.get(beta, 6) * float(np.median(gemms))
                rows.append((f"{F}x{T}", np.dtype(dtype).name, beta, o, s, s / o, o / bound,
                             float(np.median(steps)) / bound))
    return rows


def time_to_loss(V, W0, H0, algorithm, target, max_iter):
    """Algorithm seconds until the loss first reaches ``target`` (nan if never)."""
    res = nmfab.factorize(V, W0=W0, H0=H0, algorithm=algorithm, beta=2, max_iter=max_iter,
                          tol=0, eval_every=1)
    reached = np.nonzero(res.loss <= target)[0]
    return res.loss_time[reached[0]] if reached.size else float("nan")


def race_rows(shapes, K, n_ref, reps):
    """HALS / NeNMF time to scikit-learn MU's loss after n_ref iterations, as a speed-up."""
    rows = []
    for F, T in shapes:
        V, W0, H0 = make_problem(F, T, K, np.float64)
        ref_times, ours = [], {"hals": [], "nenmf": []}
        for _ in range(reps):
            seconds, W, H = time_sklearn(V, W0, H0, 2.0, n_ref)
            ref_times.append(seconds)
            target = beta_divergence(V, W, H, 2.0)
            for name in ours:
                ours[name].append(time_to_loss(V, W0, H0, name, target, n_ref))
        ref = float(np.median(ref_times))
        for name, times in ours.items():
            t = float(np.median(times))
            rows.append((f"{F}x{T}", name, ref, t, ref / t))
    return rows


def hals_rows(F, T, ranks, n_iter, reps):
    """ms per iteration of hals and mu (beta=2) from the same NNDSVDa factors, interleaved."""
    rows = []
    for K in ranks:
        V, W0, H0 = make_problem(F, T, K, np.float64)
        nmfab.factorize(V, W0=W0, H0=H0, algorithm="hals", max_iter=2)   # compiled once
        times = {"mu": [], "hals": []}
        for _ in range(reps):
            for name, ms in times.items():
                start = time.perf_counter()
                nmfab.factorize(V, W0=W0, H0=H0, algorithm=name, beta=2, max_iter=n_iter,
                                tol=0, eval_every=n_iter)
                ms.append(1e3 * (time.perf_counter() - start) / n_iter)
        mu, hals = float(np.median(times["mu"])), float(np.median(times["hals"]))
        rows.append((f"{F}x{T}", K, mu, hals, hals / mu))
    return rows


def peak_memory(F, T, K, beta):
    """Peak traced bytes of one mu run, in F x T float64 arrays (V itself not counted)."""
    V, W0, H0 = make_problem(F, T, K, np.float64)
    tracemalloc.start()
    nmfab.factorize(V, W0=W0, H0=H0, beta=beta, max_iter=5, tol=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / V.nbytes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, few repetitions and iterations (smoke run)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads (default: the BLAS's own)")
    args = parser.parse_args(argv)
    with threadpool_limits(limits=args.threads):
        return run(args)


def run(args):
    """Print the tables."""
    if args.quick:
        shapes, K, n_iter, reps, n_ref = [(257, 500), (513, 1000)], 40, 5, 3, 50
    else:
        shapes, K, n_iter, reps, n_ref = [(1025, 2000), (1025, 5168)], 88, 20, 5, 200
    print(f"V sizes {shapes}, rank {K}, {n_iter} iterations x {reps} interleaved repetitions")
    print(f"{'V':>10} {'dtype':>8} {'beta':>5} {'nmfab ms':>9} {'sklearn ms':>10} "
          f"{'speed-up':>8} {'/GEMM':>6} {'it/GEMM':>7}")
    for row in speed_rows(shapes, K, [2.0, 1.0, 0.0, 0.5], [np.float64, np.float32], n_iter,
                          reps):
        print("{:>10} {:>8} {:>5g} {:>9.2f} {:>10.2f} {:>7.2f}x {:>6.2f} {:>7.2f}".format(*row))
    print(f"\ntime to reach scikit-learn MU's loss after {n_ref} iterations (beta=2, float64)")
    print(f"{'V':>10} {'algo':>6} {'sklearn s':>9} {'algo s':>8} {'speed-up':>8}")
    for row in race_rows(shapes, K, n_ref, max(1, reps // 2)):
        print("{:>10} {:>6} {:>9.3f} {:>8.3f} {:>7.1f}x".format(*row))
    print("\nhals against mu per iteration (beta=2, float64)")
    print(f"{'V':>10} {'rank':>4} {'mu ms':>6} {'hals ms':>7} {'hals/mu':>7}")
    for row in hals_rows(513, 431, [32, 88], 30 if not args.quick else 5, reps):
        print("{:>10} {:>4} {:>6.2f} {:>7.2f} {:>7.2f}".format(*row))
    F, T = shapes[-1]
    print(f"\npeak memory of one mu run on {F}x{T} (F x T arrays, V excluded): " + ", ".join(
        f"beta={b:g}: {peak_memory(F, T, K, b):.2f}" for b in (2.0, 1.0, 0.0, 0.5)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
