"""Piano transcription with NMF: the main job of nmfab.

    python experiments/transcription.py -c        # compute (embedded synthetic pianos, no download)
    python experiments/transcription.py -d        # show the comparison table
    python experiments/transcription.py -c -d --data DIR -s dataset=madmom_piano+maestro_2s

Main dataset: ``synth_piano_hard`` (embedded, with inharmonicity, pedal,
sympathetic strings, reverberation and dense chords: it ranks the template
variants the way real pianos do); the idealised ``synth_piano`` keeps two rows
for reference. Plans, each on the main dataset and every real one present:

* ``piano``: 88 inharmonic piano templates (MIDI 21..108), W free or fixed,
  mu with beta 0, 1, 2; the default row is fixed_W=1, beta=1;
* ``harmonic``: the harmonic combs of ``nmfab.init`` (the former default);
* ``ablation_comb``, ``ablation_cqt``, ``ablation_long_window``,
  ``ablation_attack``: the default row with harmonic combs of the same shape
  (``init=comb``), with a CQT (36 bins per octave), with a 4096-point STFT,
  with attack-gated onsets (``onset=attack``);
* ``precision``: the default row factorized in float64 (every other row runs
  in float32, the main job's default ``dtype``);
* ``unsupervised`` (nndsvda, rank 32 and 64, mu with beta 0, 1, 2) and
  ``unsupervised_ls`` (hals and nenmf, beta 2).

Real datasets join when ``--data`` (or NMFAB_DATA) points to a folder holding
them: ``maps/`` and ``maestro/`` (mirdata), and the small recordings
``madmom_piano/`` and ``maestro_2s/`` (also found under ``transcription/``,
the layout of the shared fixtures).
"""
import sys

from nmfab.datasets import piano_recordings
from nmfab.experiment import Experiment, datasets_present
from nmfab.experiment.cli import data_dir_option
from nmfab.tasks.transcription import TASK

RECORDINGS = ("madmom_piano", "maestro_2s")
DEFAULT_ROW = dict(init="piano", rank=88, fixed_W=True, algorithm="mu", beta=1)
# One change to the default row each: harmonic combs of the same shape, a CQT (36 bins per
# octave), a 4096-point STFT (2.7 Hz bins), attack-gated onsets.
ABLATIONS = dict(comb=dict(init="comb"), cqt=dict(feature="cqt"), long_window=dict(n_fft=4096),
                 attack=dict(onset="attack"))


def build(argv=()):
    """The transcription experiment with its plans and metrics."""
    exp = Experiment("transcription", task=TASK, description=(
        "NMF piano transcription: note F (onset only, 50 ms), with offsets, frame-level "
        "multipitch; threshold cross-validated over tracks"))
    # over the task's defaults; float32 factorizations: the same note F on every row as float64
    # (the plan "precision" keeps the default row in float64), in about half the time
    exp.set_defaults(max_iter=100, dtype="float32")
    argv = list(argv)
    datasets = (["synth_piano_hard"] + datasets_present(("maps", "maestro"), argv)
                + piano_recordings.present(data_dir_option(argv), RECORDINGS))
    exp.add_plan("piano", dataset=datasets, init="piano", rank=88, fixed_W=[False, True],
                 algorithm="mu", beta=[0, 1, 2])
    exp.add_plan("harmonic", dataset=datasets, init="harmonic", rank=88, fixed_W=[False, True],
                 algorithm="mu", beta=[0, 1, 2])
    exp.add_plan("idealised", **dict(DEFAULT_ROW, dataset="synth_piano",
                                     init=["piano", "harmonic"]))
    for name, change in ABLATIONS.items():
        exp.add_plan(f"ablation_{name}", **dict(DEFAULT_ROW, dataset=datasets, **change))
    exp.add_plan("precision", **dict(DEFAULT_ROW, dataset=datasets, dtype="float64"))
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
