"""Convergence of every registered NMF algorithm on real spectrograms (not a test).

In the style of benchopt and of Hien & Gillis (2021): for beta in {0, 1, 2}, every
algorithm of ``nmfab.ALGORITHMS`` that supports beta (so algorithms registered
later appear by themselves) runs from one shared NNDSVDa init per (data, rank)
on magnitude spectrograms of a piano recording, a drum track and a rock mixture
from ``/work/shared/data``, at ranks 10 and 40. Each run records its loss at
every iteration, with the algorithm's wall time (loss evaluations excluded, see
``nmfab.factorize``); ``mu`` runs first (at least 200 iterations) and every other
algorithm gets at least the time mu took. Repeated runs replay the same iterates
(same number of iterations) and the time of each iteration is the median over
repeats. BLAS and numba run single-threaded unless ``--threads`` says otherwise.

Printed: for each (beta, data, rank) and algorithm, the time and iteration at
which the relative gap ``(loss - best) / best`` first falls below 1e-2 and 1e-4
(``best``: the lowest loss any algorithm reached in the setting), and the
speed-up over ``mu`` to ``mu``'s loss after 200 iterations (time of mu's 200
iterations / time the algorithm needs to reach that loss). A plot of the gap
against time (log scale, one panel per beta x rank x data) goes to ``--out``.

Algorithms whose objective is not the plain divergence of ``WH`` (their own
``objective``: a penalty, or another model such as nmfd's convolution) are listed
apart and not compared: a gap between such an objective and the divergence of
``WH`` means nothing. Where one algorithm alone is compared, its gap is to its
own final loss.
Run: ``python benchmarks/bench_convergence.py [--quick] [--betas 1] [--out PATH]``.
"""
import argparse
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import nmfab
from nmfab.algorithms.spec import default_objective
from nmfab.errors import NmfabError
from nmfab.init import initialize

DATA = Path("/work/shared/data")
RECORDINGS = {
    "piano": DATA / "transcription/madmom_piano/audio/stereo_sample.flac",
    "drums": DATA / "drums/mdb_drums/audio/drum_only/MusicDelta_Rock_Drum.flac",
    "mixture": DATA / "separation/musicdelta_rock/mixture.flac",
}
LEVELS = (1e-2, 1e-4)
MU_REFERENCE = 200          # iterations of mu whose loss defines the speed-up column


def spectrogram(path, seconds, n_fft=2048, hop=512, sr=22050):
    """Magnitude STFT (float64) of the first ``seconds`` of a recording."""
    import librosa

    y, _ = librosa.load(path, sr=sr, mono=True, duration=seconds)
    return np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)).astype(np.float64)


def comparable(beta):
    """(names compared, names listed apart) among the algorithms supporting ``beta``."""
    specs = {n: s for n, s in sorted(nmfab.ALGORITHMS.items()) if s.supports(beta)}
    own = [n for n, s in specs.items() if s.objective is not default_objective
           or getattr(s, "model", None) is not None or getattr(s, "w_blocks", None)]
    names = list(specs)
    return [n for n in names if n not in own], own


def run(V, W0, H0, name, beta, budget, repeats, min_iter):
    """(loss, median time, iteration) arrays of ``repeats`` identical runs of ``name``."""
    common = dict(W0=W0, H0=H0, algorithm=name, beta=beta, tol=0, eval_every=1)
    first = nmfab.factorize(V, max_iter=100000, max_time=budget, **common)
    if first.n_iter < min_iter:                   # mu must reach its reference iteration
        first = nmfab.factorize(V, max_iter=min_iter, **common)
    times = [first.loss_time]
    for _ in range(repeats - 1):
        times.append(nmfab.factorize(V, max_iter=first.n_iter, **common).loss_time)
    return first.loss, np.median(np.array(times), axis=0), first.loss_iter


def first_below(values, level, times, iters):
    """(time, iteration) at which ``values`` first drops to ``level`` or below, else nans."""
    hit = np.nonzero(values <= level)[0]
    return (times[hit[0]], iters[hit[0]]) if hit.size else (np.nan, -1)


def setting_rows(V, rank, beta, budget, repeats, seed=0):
    """Histories and table rows for one (data, rank, beta); interleaved repetitions."""
    names, _ = comparable(beta)
    names.sort(key=lambda n: n != "mu")          # mu first: its time sets the others' budget
    W0, H0, _ = initialize(V, rank, "nndsvda", seed=seed)
    histories, failed = {}, {}
    for name in names:
        try:
            histories[name] = run(V, W0, H0, name, beta, budget, repeats,
                                  MU_REFERENCE if name == "mu" else 1)
        except NmfabError as error:              # e.g. an algorithm needing other inputs
            failed[name] = str(error)
            continue
        if name == "mu":                          # every algorithm gets at least mu's time
            budget = max(budget, float(histories[name][1][-1]))
    if not histories:
        return {}, [], failed
    best = min(float(np.min(h[0])) for h in histories.values())
    target = mu_time = None
    if "mu" in histories:
        loss, times, iters = histories["mu"]
        at = np.nonzero(iters == MU_REFERENCE)[0]
        if at.size:
            target, mu_time = loss[at[0]], times[at[0]]
    rows = []
    for name, (loss, times, iters) in histories.items():
        gap = (loss - best) / abs(best)
        row = [name]
        for level in LEVELS:
            row += list(first_below(gap, level, times, iters))
        speedup = np.nan
        if target is not None:
            t_hit = first_below(loss, target, times, iters)[0]
            speedup = mu_time / t_hit if t_hit > 0 else np.inf
        rows.append(row + [float(gap[-1]), int(iters[-1]), speedup])
        histories[name] = (gap, times)
    return histories, rows, failed


def fmt_time(t):
    return "      -" if not np.isfinite(t) else f"{t:7.3f}"


def print_table(beta, data, rank, rows):
    print(f"\nbeta={beta:g}  {data}  rank {rank}")
    print(f"  {'algorithm':<10} {'t 1e-2 s':>8} {'it':>5} {'t 1e-4 s':>8} {'it':>5} "
          f"{'final gap':>9} {'iters':>6} {'vs mu200':>8}")
    for name, t2, i2, t4, i4, final, n_iter, speedup in sorted(rows, key=lambda r: r[0]):
        ratio = "       -" if not np.isfinite(speedup) else f"{speedup:7.2f}x"
        print(f"  {name:<10} {fmt_time(t2):>8} {i2 if i2 >= 0 else '-':>5} {fmt_time(t4):>8} "
              f"{i4 if i4 >= 0 else '-':>5} {final:9.2e} {n_iter:>6} {ratio:>8}")


def plot(panels, out):
    """Gap vs time, log scale: one panel per (beta, rank) row and data column."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted({(beta, rank) for beta, _, rank in panels})
    cols = list(dict.fromkeys(data for _, data, _ in panels))
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(4 * len(cols), 2.8 * len(rows)),
                             squeeze=False)
    for (beta, data, rank), histories in panels.items():
        ax = axes[rows.index((beta, rank))][cols.index(data)]
        for name, (gap, times) in sorted(histories.items()):
            keep = gap > 0
            ax.semilogy(times[keep], gap[keep], label=name)
        ax.set_title(f"beta={beta:g}, {data}, rank {rank}", fontsize=9)
        ax.set_xlabel("seconds", fontsize=8)
        ax.set_ylabel("(loss - best) / best", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 s excerpts, rank 10, short budgets (about a minute)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/convergence.png"),
                        help="where the PNG plot goes (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed repetitions per run (median); default 3, 1 with --quick")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and numba threads (default 1: stable timings on a shared machine)")
    parser.add_argument("--betas", type=float, nargs="+", default=[0.0, 1.0, 2.0],
                        help="betas to run (default: %(default)s)")
    args = parser.parse_args(argv)
    threadpool_limits(limits=args.threads)
    try:                                   # compiled kernels (kl_ccd's prange) count too
        import numba
        numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    except ImportError:
        pass
    seconds, ranks, budget = (2.0, (10,), 1.0) if args.quick else (4.0, (10, 40), 2.0)
    repeats = args.repeats or (1 if args.quick else 3)
    missing = [str(p) for p in RECORDINGS.values() if not p.is_file()]
    if missing:
        raise SystemExit(f"data not found: {missing[0]} (see /work/shared/data/README.md)")
    specs = {name: spectrogram(path, seconds) for name, path in RECORDINGS.items()}
    print("spectrograms (F x T): " + ", ".join(f"{n} {V.shape[0]}x{V.shape[1]}"
                                             for n, V in specs.items())
          + f"; ranks {ranks}; time budget {budget:g} s per run; {repeats} repeat(s)")
    start, panels = time.perf_counter(), {}
    for beta in args.betas:
        names, own = comparable(beta)
        print(f"\n=== beta={beta:g}: compared {names}"
              + (f"; not compared (own objective: penalty or other model): {own}" if own else ""))
        for data, V in specs.items():
            for rank in ranks:
                histories, rows, failed = setting_rows(V, rank, beta, budget, repeats)
                print_table(beta, data, rank, rows)
                for name, message in failed.items():
                    print(f"  {name}: failed: {message}")
                if histories:
                    panels[(beta, data, rank)] = histories
    plot(panels, args.out)
    print(f"\nplot: {args.out}; total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
