"""Music structure analysis with barwise NMF and Correlation Block-Matching.

    python experiments/structure.py -c        # compute (synthetic songs, no download)
    python experiments/structure.py -d        # boundary hit rates, trim False and True

Plans (each over the datasets present: ``synth_structure`` always, ``msaf`` and
``pop909`` when ``--data`` holds them; the plans with annotated bars only over
datasets that annotate bars):

* ``nmf``: barwise NMF (mu, beta 1 and 2, ranks 8 and 16), cosine self-similarity of
  the rows of W, segmented by ``cbm`` and by ``foote``;
* ``raw``: the same segmenters on the barwise log-mel itself (no NMF);
* ``chance``: ``even`` and ``random`` boundaries with the reference's segment count;
* ``estimated``: bars from librosa's beat tracker (every dataset), NMF and raw, CBM.
"""
import sys

from nmfab import datasets as registry
from nmfab.experiment import Experiment, datasets_present
from nmfab.tasks.structure import TASK

REAL = [name for name in registry.for_task("structure") if not registry.get(name).embedded]


def build(argv=()):
    """The structure experiment with its plans and metrics."""
    exp = Experiment("structure", task=TASK, description=(
        "Barwise NMF structure analysis: mir_eval boundary hit rates at 0.5 s and 3 s, trim=False "
        "(first and last boundary counted, MIREX) and trim=True; CBM penalty / Foote threshold "
        "cross-validated over tracks (_cv)"))
    everything = ["synth_structure"] + datasets_present(REAL, list(argv))
    with_bars = [name for name in everything if registry.get(name).has_bars]
    nmf = dict(algorithm="mu", beta=1)
    exp.add_plan("nmf", dataset=with_bars, algorithm="mu", beta=[1, 2], rank=[8, 16],
                 segmenter=["cbm", "foote"])
    exp.add_plan("raw", dataset=with_bars, representation="raw", segmenter=["cbm", "foote"], **nmf)
    exp.add_plan("chance", dataset=with_bars, representation="raw", segmenter=["even", "random"],
                 **nmf)
    exp.add_plan("estimated", dataset=everything, bars="estimated",
                 representation=["nmf", "raw"], segmenter="cbm", **nmf)
    for name in ("f_0.5", "f_3", "f_0.5_trim", "f_3_trim"):
        exp.add_metric(name, percent=True, precision=1, significance=name.endswith("trim"))
    for name in ("f_0.5_trim_cv", "f_3_trim_cv"):
        exp.add_metric(name, percent=True, precision=1)
    return exp


if __name__ == "__main__":
    raise SystemExit(build(sys.argv[1:]).main())
