"""Piano transcription scores for the researcher's ``pg`` against nmfab's ``mu``.

    python my_experiment.py -c      # 2 synthetic piano tracks (5 s each), a few seconds
    python my_experiment.py -d      # one row per setting: pg with step 0.1 and 1.0, and mu

Editing my_algorithm.py and rerunning -c recomputes the pg rows only.
"""
import my_algorithm  # noqa: F401  (registers the algorithm "pg")
from nmfab.experiment import Experiment
from nmfab.tasks.transcription import TASK

exp = Experiment("my_experiment", TASK, description="pg vs mu on synthetic piano")
exp.set_defaults(n_tracks=2, excerpt=5.0, rank=24, beta=2.0, max_iter=50)
exp.add_plan("pg", algorithm="pg", step=[0.1, 1.0])
exp.add_plan("mu", algorithm="mu")
exp.add_metric("f_onset", percent=True, precision=1)
exp.add_metric("acc_frame", percent=True, precision=1)
exp.add_metric("end_loss", output="final_loss", higher_is_better=False, precision=3)

if __name__ == "__main__":
    raise SystemExit(exp.main())
