"""Cost growth of one transcription setting with the recording's length (not a test).

One setting of the main job (``experiments/transcription.py``: harmonic init,
W free, ``mu`` at beta=1, 100 iterations; ``tol=0`` so that every length runs
the same number of iterations) on a synthetic piano track (the generator of the
embedded ``synth_piano`` dataset) of 1, 2, 5 and 10 minutes, through the
transcription task's own step functions (feature, factorize, postprocess,
evaluate), with one BLAS thread like the experiment runner's ``-c``. Each length
runs in a fresh Python process, which reports its wall time per stage, its CPU
time and its peak resident memory (``ru_maxrss``); the table also gives time and
memory per minute of audio, so that linear growth reads as a constant column.
CPU seconds are the steadier figure on a loaded machine.

Run: ``python benchmarks/bench_growth.py [--minutes 1 2 5 10] [--dtype float32]``.
"""
import argparse
import json
import resource
import subprocess
import sys
import time


def child(minutes, dtype):
    """Run the setting on a ``minutes`` long track; print one JSON line of times and memory."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from nmfab.datasets import synth_piano
    from nmfab.tasks import transcription as tr

    setting = dict(tr.DEFAULTS, algorithm="mu", beta=1.0, init="harmonic", fixed_W=False,
                   max_iter=100, tol=0.0, eval_every=10, l1_H=0.0, seed=0, dtype=dtype)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = {}
    start = time.perf_counter()
    y, sr, notes = synth_piano.generate("synth_piano_02", duration=60.0 * minutes,
                                        sr=int(setting["sr"]))
    times["synth"] = time.perf_counter() - start
    synth_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    limits = threadpool_limits(limits=1)
    cpu = time.process_time()
    start = time.perf_counter()
    V, params = tr.spectrogram(y, sr, setting)
    feature = dict(V=V, ref_notes=np.asarray(notes, dtype=np.float64)[:, :3],
                   duration=len(y) / float(sr), **params)
    del y
    times["feature"] = time.perf_counter() - start
    inputs = {"feature": feature}
    for name, step in (("factorize", tr.factorize_step), ("postprocess", tr.postprocess_step),
                       ("evaluate", tr.evaluate_step)):
        start = time.perf_counter()
        inputs[name] = step(setting, "synth_piano_02", inputs, None)
        times[name] = time.perf_counter() - start
    cpu = time.process_time() - cpu
    limits.restore_original_limits()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(dict(minutes=minutes, shape=list(V.shape), times=times, cpu=cpu,
                          n_iter=inputs["factorize"]["n_iter"],
                          f_onset=inputs["evaluate"]["f_onset"],
                          base_mb=base_rss / 1024, synth_mb=synth_rss / 1024,
                          peak_mb=peak / 1024)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 2, 5, 10])
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        child(args.child, args.dtype)
        return 0
    print(f"transcription setting: harmonic init, W free, mu beta=1, 100 iterations, "
          f"{args.dtype}; one fresh process per length")
    print(f"{'min':>4} {'F x T':>11} {'synth s':>7} {'feat s':>6} {'fact s':>7} {'post s':>6} "
          f"{'eval s':>6} {'total s':>7} {'cpu s':>6} {'cpu/min':>7} {'peak MB':>7} {'MB/min':>6} "
          f"{'f_onset':>7}")
    rows = []
    for minutes in args.minutes:
        out = subprocess.run([sys.executable, __file__, "--child", str(minutes),
                              "--dtype", args.dtype], check=True, capture_output=True,
                             text=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        t = row["times"]
        total = sum(t[name] for name in ("feature", "factorize", "postprocess", "evaluate"))
        grown = row["peak_mb"] - row["base_mb"]           # above the imports' footprint
        print(f"{minutes:>4g} {'x'.join(map(str, row['shape'])):>11} {t['synth']:>7.1f} "
              f"{t['feature']:>6.1f} {t['factorize']:>7.1f} {t['postprocess']:>6.2f} "
              f"{t['evaluate']:>6.1f} {total:>7.1f} {row['cpu']:>6.1f} {row['cpu'] / minutes:>7.2f} "
              f"{row['peak_mb']:>7.0f} {grown / minutes:>6.0f} {row['f_onset']:>7.3f}")
    print("total s (wall) and cpu s: feature + factorize + postprocess + evaluate (synthesis "
          "excluded); MB/min: peak RSS above the imports' footprint, per minute")
    if len(rows) > 2:
        import numpy as np

        minutes = np.array([row["minutes"] for row in rows])
        for name, values in (("cpu s", [row["cpu"] for row in rows]),
                             ("peak MB", [row["peak_mb"] for row in rows])):
            slope, intercept = np.polyfit(minutes, values, 1)
            worst = np.max(np.abs(np.polyval([slope, intercept], minutes) - values) / values)
            print(f"linear fit of {name}: {intercept:.1f} + {slope:.2f} x minutes "
                  f"(largest deviation {100 * worst:.0f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
