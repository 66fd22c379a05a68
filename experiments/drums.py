"""Drum transcription with partially fixed NMF: MUR vs NeNMF at equal budget (issue 5).

    python experiments/drums.py -c            # synth_drums (embedded), a few seconds per setting
    python experiments/drums.py -d            # mean F first, then per-class F, P, R, loss
    python experiments/drums.py -c -d --data DIR -s dataset=mdb_drums

Plans: ``mur`` (mu, beta=2, 100 iterations) and ``nenmf`` (10 outer x 10 inner
OGM iterations): the paper's equal-budget pair, over rank_h x template source x
picker x mix x dataset; ``mu_kl`` (mu, beta=1) and ``hals`` are extra baselines;
``nmfd`` (convolutive NMF, beta=2, templates of 8 frames learned from the same
hits, all frames fixed, 100 iterations) is the time-varying-template variant.
Real datasets (mdb_drums, enst_drums) join the plans when their folder exists
under ``--data`` / NMFAB_DATA.
"""
from nmfab import datasets
from nmfab.experiment import Experiment, datasets_present
from nmfab.tasks.drums import TASK

REAL_DATASETS = [name for name in datasets.for_task("drums") if not datasets.get(name).embedded]

exp = Experiment("drums", task=TASK, description=TASK.description)   # task defaults, then:
exp.set_defaults(max_iter=100, inner_iter=10, tol=0.0, eval_every=1)
DATASETS = ["synth_drums"] + datasets_present(REAL_DATASETS)
GRID = dict(rank_h=[0, 4], template=["other_tracks", "same_track_oracle"],
            picker=["topk", "median"], mix=["drums", "full"], dataset=DATASETS)
exp.add_plan("mur", algorithm="mu", beta=2.0, max_iter=100, **GRID)
exp.add_plan("nenmf", algorithm="nenmf", max_iter=10, inner_iter=10, **GRID)
BASELINE = dict(GRID, rank_h=4, template="other_tracks", eval_every=10)
exp.add_plan("mu_kl", algorithm="mu", beta=1.0, max_iter=100, **BASELINE)
exp.add_plan("hals", algorithm="hals", max_iter=100, **BASELINE)
exp.add_plan("nmfd", algorithm="nmfd", beta=2.0, n_lags=8, max_iter=100, **BASELINE)

exp.add_metric("f_mean", percent=True, precision=1, significance=True)
for name in ("KD", "SD", "HH"):
    exp.add_metric(f"f_{name}", percent=True, precision=1)
exp.add_metric("p_mean", percent=True, precision=1)
exp.add_metric("r_mean", percent=True, precision=1)
exp.add_metric("end_loss", output="final_loss", higher_is_better=False, precision=0)
exp.add_metric("seconds", output="time_factorize", higher_is_better=False, precision=2)

if __name__ == "__main__":
    raise SystemExit(exp.main())
