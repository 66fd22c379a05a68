"""Ecoacoustics with NMF: counting the sound sources of a clip, and separating them (issue 13).

    python experiments/ecoacoustics.py -c          # synth_soundscape (embedded), about a minute
    python experiments/ecoacoustics.py -d          # accuracy, MAE, Spearman, SI-SDRi by counter
    python experiments/ecoacoustics.py -c -d --data DIR    # + labelled_soundscapes, anuraset

Plans: ``synth`` (mu with beta 1 and 2, ranks 8 and 16, the three counters:
``correlation``, ``periodicity`` and the constant ``baseline``) on the embedded
set; ``field`` (labelled recordings cut into 2-s windows, at 44.1 kHz, band
1-16 kHz, magnitude and PCEN) and ``anuraset`` (test subset) join when their
folders are under ``--data`` / NMFAB_DATA. Every counter's parameters are
chosen by cross-validation over the clips of a setting (4 folds).
"""
import sys

from nmfab.experiment import Experiment, datasets_present
from nmfab.tasks.ecoacoustics import COUNTERS, TASK


def build(argv=()):
    """The ecoacoustics experiment with its plans and metrics."""
    exp = Experiment("ecoacoustics", task=TASK, description=TASK.description)
    exp.set_defaults(max_iter=200, tol=1e-4)
    exp.add_plan("synth", dataset="synth_soundscape", algorithm="mu", beta=[1.0, 2.0],
                 rank=[8, 16], counter=list(COUNTERS))
    if datasets_present(["labelled_soundscapes"], list(argv)):
        exp.add_plan("field", dataset="labelled_soundscapes", algorithm="mu", beta=1.0,
                     rank=[8, 16], counter=list(COUNTERS), sr=44100, n_fft=2048,
                     hop_length=512, fmin=1000.0, fmax=16000.0, compression=["none", "pcen"])
    if datasets_present(["anuraset"], list(argv)):
        exp.add_plan("anuraset", dataset="anuraset", algorithm="mu", beta=1.0, rank=[8, 16],
                     counter=list(COUNTERS), compression=["none", "pcen"])
    exp.add_metric("exact", percent=True, precision=1, significance=True)
    exp.add_metric("abs_err", higher_is_better=False, precision=2)
    exp.add_metric("spearman", precision=2)
    exp.add_metric("sisdri", precision=1)
    exp.add_metric("sisdri_irm", precision=1)
    exp.add_metric("count_ref", precision=2)
    return exp


if __name__ == "__main__":
    raise SystemExit(build(sys.argv[1:]).main())
