"""Music source separation by NMF, scored with museval BSS Eval v4 (issue 11).

    python experiments/separation.py -c            # synth_mix (embedded), about a minute
    python experiments/separation.py -d            # median SDR per source over the test tracks
    python experiments/separation.py -c -d --data DIR -s dataset=medleydb

Needs the ``separation`` extra (museval) and ffmpeg on PATH (museval's musdb
dependency checks for it at import). Plans: ``nmf`` (mu, KL on the magnitude
STFT) over grouping (supervised, blind_mfcc, oracle_grouping) x mask (wiener,
ratio, none); ``solvers`` (the blind groupings with every beta=1 solver:
mu, kl_ccd, kl_sn, minvol, smooth, sparse_norm, at their default parameters);
``oracle_irm`` (IRM1 with ratio, IRM2 with wiener: the ceiling) and ``mixture`` (mixture / n_sources: the floor). Every table value is the
median over tracks (the field's convention). Real datasets (musdb18, medleydb)
join the plans when their folder exists under ``--data`` / NMFAB_DATA; they
are scored on their full tracks (excerpt=0).
"""
from nmfab import datasets
from nmfab.experiment import Experiment, datasets_present
from nmfab.tasks.separation import SOURCES, TASK

REAL_DATASETS = [name for name in datasets.for_task("separation")
                 if not datasets.get(name).embedded]

exp = Experiment("separation", task=TASK, description=TASK.description)   # task defaults, then:
exp.set_defaults(algorithm="mu", max_iter=100, eval_every=10)
DATASETS = ["synth_mix"] + datasets_present(REAL_DATASETS)
exp.add_plan("nmf", grouping=["supervised", "blind_mfcc", "oracle_grouping"],
             mask=["wiener", "ratio", "none"], dataset=DATASETS)
# Solver vs task score: every blind-capable algorithm for beta=1 on the same free NMF (nmfd's
# multi-frame templates do not fit the per-column grouping; it is compared in drums.py).
SOLVERS = ["mu", "kl_ccd", "kl_sn", "minvol", "smooth", "sparse_norm"]
exp.add_plan("solvers", algorithm=SOLVERS, grouping=["blind_mfcc", "oracle_grouping"],
             mask="wiener", dataset=DATASETS)
exp.add_plan("oracle_irm", grouping="oracle_irm", mask=["wiener", "ratio"], dataset=DATASETS)
exp.add_plan("mixture", grouping="mixture", mask="none", dataset=DATASETS)

exp.add_metric("sdr_mean", reduce="median", precision=2)
for source in SOURCES:
    exp.add_metric(f"sdr_{source}", reduce="median", precision=2)
for name in ("sir_mean", "sar_mean", "isr_mean", "si_sdr_mean"):
    exp.add_metric(name, reduce="median", precision=2)
exp.add_metric("seconds", output="time_factorize", higher_is_better=False, precision=2)

if __name__ == "__main__":
    raise SystemExit(exp.main())
