"""The README's "Add a dataset" and "Add a task" code blocks run as written."""
import re
from pathlib import Path

import numpy as np
import soundfile

from nmfab import datasets
from nmfab.experiment import TASKS, Experiment

README = Path(__file__).resolve().parent.parent / "README.md"


def _block(section):
    """The first python code block after the heading ``section`` in README.md."""
    text = README.read_text()
    start = text.index(section)
    return re.search(r"```python\n(.*?)```", text[start:], re.S).group(1)


def test_readme_add_a_dataset_and_add_a_task_run(tmp_path, monkeypatch):
    namespace = {}
    exec(compile(_block("### Add a dataset"), "README: Add a dataset", "exec"), namespace)
    try:
        piano = datasets.get("my_piano")
        assert piano.task == "transcription" and "my_piano" in datasets.for_task("transcription")
        # the task example reads a dataset of its own task: the same class, registered as such
        folder = tmp_path / "data" / "my_dataset"
        folder.mkdir(parents=True)
        rng = np.random.default_rng(0)
        for index in range(2):
            soundfile.write(folder / f"t{index}.wav", rng.standard_normal(8000) * 0.1, 8000)
            np.savetxt(folder / f"t{index}.csv", [[0.1, 0.5, 60.0]], delimiter=",")
        datasets.register(type("MyDataset", (piano,), dict(name="my_dataset", task="my_task")))
        namespace.update(my_spectrogram=lambda y, sr: np.abs(np.fft.rfft(
            y[:7936].reshape(31, 256), axis=1)).T + 1e-3,
            my_metric=lambda H, reference: float(H.mean() > 0) + 0 * len(reference))
        exec(compile(_block("### Add a task"), "README: Add a task", "exec"), namespace)
        exp = Experiment("my_experiment", namespace["TASK"], results_dir=tmp_path / "results",
                         cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")
        exp.add_plan("p", algorithm="mu", rank=[2, 3])
        exp.add_metric("score")
        assert exp.main(["-c"]) == 0
        frame = exp.results()
        assert len(frame) == 4 and (frame.score == 1.0).all()
    finally:
        for name in ("my_piano", "my_dataset"):
            datasets.base._REGISTRY.pop(name, None)
        TASKS.pop("my_task", None)
