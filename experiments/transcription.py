"""Piano transcription with NMF: the main job of nmfab.

    python experiments/transcription.py -c        # compute (synthetic piano, no download)
    python experiments/transcription.py -d        # show the comparison table

Plans: ``harmonic`` (88 harmonic combs over MIDI 21..108, W free or fixed,
mu with beta 0, 1, 2) and the unsupervised family (nndsvda init, ranks 32 and
64): ``unsupervised`` (mu with beta 0, 1, 2) and ``unsupervised_ls`` (hals and
nenmf, least squares only, beta 2). The dataset factor is
``synth_piano`` (embedded); ``maps`` and ``maestro`` are added when ``--data``
(or NMFAB_DATA) points to a folder holding ``maps/`` or ``maestro/``.
"""
import sys

from nmfab.datasets import piano_recordings
from nmfab.experiment import Experiment, datasets_present
from nmfab.experiment.cli import data_dir_option
from nmfab.tasks.transcription import TASK

RECORDINGS = ("madmom_piano", "maestro_2s")


def build(argv=()):
    """The transcription experiment with its plans and metrics."""
    exp = Experiment("transcription", task=TASK, description=(
        "NMF piano transcription: note F (onset only, 50 ms), with offsets, frame-level "
        "multipitch; threshold cross-validated over tracks"))
    exp.set_defaults(max_iter=100)                     # over the task's defaults
    argv = list(argv)
    datasets = (["synth_piano"] + datasets_present(("maps", "maestro"), argv)
                + piano_recordings.present(data_dir_option(argv), RECORDINGS))
    exp.add_plan("harmonic", dataset=datasets, init="harmonic", rank=88, fixed_W=[False, True],
                 algorithm="mu", beta=[0, 1, 2])
    exp.add_plan("unsupervised", dataset=datasets, init="nndsvda", rank=[32, 64],
                 algorithm="mu", beta=[0, 1, 2])
    exp.add_plan("unsupervised_ls", dataset=datasets, init="nndsvda", rank=[32, 64],
                 algorithm=["hals", "nenmf"], beta=2)
    exp.add_metric("f_onset", percent=True, precision=1, significance=True)
    exp.add_metric("f_onset_cv", percent=True, precision=1, significance=True)
    exp.add_metric("f_offset", percent=True, precision=1, significance=True)
    exp.add_metric("p_onset", percent=True, precision=1)
    exp.add_metric("r_onset", percent=True, precision=1)
    exp.add_metric("acc_frame", percent=True, precision=1, significance=True)
    return exp


if __name__ == "__main__":
    raise SystemExit(build(sys.argv[1:]).main())
