"""Structure task: datasets (embedded, msaf and POP909 layouts), the engine run, real data."""
import importlib.util
import json
import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile

from nmfab import datasets
from nmfab.datasets import pop909, synth_structure
from nmfab.datasets.msaf import Msaf
from nmfab.errors import DatasetError
from nmfab.experiment import Context, load_results
from nmfab.tasks.structure import TASK, TUNING, applicable

REPO = Path(__file__).parents[1]
DATA = Path(__file__).parents[2] / "shared" / "data" / "structure"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared structure data absent ({DATA})")


def build_experiment():
    spec = importlib.util.spec_from_file_location("structure_script",
                                                  REPO / "experiments" / "structure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build


def run_cli(tmp_path, args, data=None, n_tracks=3):
    """``experiments/structure.py`` (its first ``n_tracks`` tracks) through Experiment.main."""
    argv = ([] if data is None else ["--data", str(data)])
    exp = build_experiment()(argv)
    exp.set_defaults(n_tracks=n_tracks)
    status = exp.main(argv + ["--results", str(tmp_path / "results"),
                              "--cache", str(tmp_path / "cache"), "-q"] + args)
    assert status == 0
    return load_results(tmp_path / "results" / "structure.h5")


def test_synth_structure_annotation_is_exact():
    song = synth_structure.generate(1)                       # form AABA
    dataset = datasets.get("synth_structure")(cache_dir=None)
    y, sr, ref = dataset.load("song01")
    assert "".join(ref["labels"]) == "AABA" and sr == synth_structure.SR
    bar = np.diff(ref["downbeats"])
    np.testing.assert_allclose(bar, bar[0])                  # one tempo, exact bars
    assert ref["intervals"][0, 0] == 0.0
    assert ref["intervals"][-1, 1] == pytest.approx(len(y) / sr, abs=1 / sr)
    np.testing.assert_array_equal(song["y"], y)              # deterministic
    cut = dataset.load("song01", duration=5.0)[2]
    assert cut["intervals"][-1, 1] == pytest.approx(5.0) and cut["downbeats"][-1] <= 5.0


def write_pop909_fixture(root, label1="i1A2B1", label2="i1A1A1B1"):
    """One song in the two-repository layout: 4/4 at 120 BPM, melody from bar 2 (t = 2 s)."""
    import pretty_midi

    midi_dir = root / pop909.MIDI_DIR / "001"
    label_dir = root / pop909.LABEL_DIR / "001"
    midi_dir.mkdir(parents=True)
    label_dir.mkdir(parents=True)
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    melody = pretty_midi.Instrument(0, name="MELODY")
    # melody.txt starts with a 4-sixteenth rest: the first note (t = 2.5 s) is one beat in
    melody.notes = [pretty_midi.Note(80, 60 + i, 2.5 + i, 3.0 + i) for i in range(6)]
    piano = pretty_midi.Instrument(0, name="PIANO")
    piano.notes = [pretty_midi.Note(60, 48, 0.0, 10.0)]
    midi.instruments = [melody, piano]
    midi.write(str(midi_dir / "001.mid"))
    beats = np.arange(0.0, 12.0, 0.5)
    np.savetxt(midi_dir / "beat_midi.txt",
               np.column_stack([beats, np.ones_like(beats), np.arange(len(beats)) % 4 == 0]))
    (label_dir / "melody.txt").write_text("0 4\n60 2\n")
    (label_dir / "human_label1.txt").write_text(label1 + "\n")
    (label_dir / "human_label2.txt").write_text(label2 + "\n")


def test_pop909_layout_bars_and_annotators(tmp_path):
    write_pop909_fixture(tmp_path / "pop909")
    context = Context(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    one = datasets.open_dataset("pop909", context, "structure", annotator=1)
    assert one.tracks() == ["001"]
    ref = one.annotation("001")
    # bar 1 = the downbeat at 2 s (first note 2.5 s minus a 4-sixteenth rest of 0.125 s each)
    assert ref["intervals"].tolist() == [[2.0, 4.0], [4.0, 8.0], [8.0, 10.0]]
    assert ref["labels"] == ["i", "A", "B"]
    two = datasets.open_dataset("pop909", context, "structure", annotator=2).annotation("001")
    assert two["intervals"][:, 0].tolist() == [2.0, 4.0, 6.0, 8.0]
    y, sr = one.audio("001")
    assert sr == pop909.SR and 10.0 <= len(y) / sr <= 11.5 and np.abs(y).max() > 0.5
    assert (tmp_path / "cache" / "pop909").is_dir()              # the render is cached
    with pytest.raises(DatasetError, match="letter"):
        pop909.parse_label("A4B")
    with pytest.raises(DatasetError, match="annotator"):
        pop909.Pop909(tmp_path / "pop909", annotator=3)


def test_msaf_layout_and_missing_reference(tmp_path, caplog):
    root = tmp_path / "msaf"
    (root / "audio").mkdir(parents=True)
    (root / "references").mkdir()
    for name in ("song", "orphan"):
        soundfile.write(root / "audio" / f"{name}.wav", np.zeros(8000, dtype=np.float32), 8000)
    data = [dict(time=0.0, duration=0.4, value="A", confidence=None),
            dict(time=0.4, duration=0.6, value="B", confidence=None)]
    (root / "references" / "song.jams").write_text(json.dumps(dict(
        annotations=[dict(namespace="beat", data=[]), dict(namespace="segment_open", data=data)])))
    with caplog.at_level(logging.WARNING):
        assert Msaf(root).tracks() == ["song"]
    assert "orphan" in caplog.text
    _, _, ref = Msaf(root).load("song")
    assert ref["intervals"].tolist() == [[0.0, 0.4], [0.4, 1.0]] and ref["downbeats"] is None
    with pytest.raises(DatasetError, match="references"):
        (root / "references" / "song.jams").unlink()
        (root / "references").rmdir()
        Msaf(root).validate()


def test_applicable_and_steps():
    assert [s.name for s in TASK.steps] == ["feature", "factorize", "postprocess", "evaluate"]
    base = dict(algorithm="mu", beta=1.0, segmenter="cbm", bars="annotated")
    assert applicable(dict(base, dataset="synth_structure")) is None
    assert "bars=estimated" in applicable(dict(base, dataset="msaf"))
    assert applicable(dict(base, dataset="msaf", bars="estimated")) is None
    assert "segmenter" in applicable(dict(base, dataset="synth_structure", segmenter="x"))


def test_cli_synth_structure_nmf_raw_chance(tmp_path, capsys):
    frame = run_cli(tmp_path, ["-c", "-s", "nmf/beta=1,rank=8:raw/:chance/"])
    capsys.readouterr()
    assert len(frame) == 6 * 3
    by = frame.groupby(["representation", "segmenter"])
    f3 = by["f_3_trim"].mean()
    # measured on song00..02: nmf cbm 1.00, raw cbm 0.83, foote 0.7-0.8, even 0.65, random 0.43
    assert f3["nmf", "cbm"] >= 0.9
    assert f3["nmf", "cbm"] >= f3["raw", "random"] + 0.3
    assert f3["nmf", "cbm"] > f3["raw", "even"] and f3["raw", "cbm"] > f3["raw", "random"]
    assert (frame["f_3"] >= frame["f_3_trim"]).all()
    assert (frame["f_0.5"] >= frame["f_0.5_trim"]).all()
    tuned = frame[frame["segmenter"].isin(list(TUNING))]
    assert tuned["f_3_trim_cv"].notna().all() and tuned["f_0.5_trim_cv"].notna().all()
    cbm = tuned[tuned["segmenter"] == "cbm"]
    assert set(cbm["tuning_cv"]) <= set(TUNING["cbm"][1]) and cbm["f_3_trim_cv"].mean() >= 0.8
    chance = frame[~frame["segmenter"].isin(list(TUNING))]
    assert "f_3_trim_cv" not in chance or chance["f_3_trim_cv"].isna().all()
    assert (chance["n_segments_est"] == chance["n_segments_ref"]).all()
    run_cli(tmp_path, ["-d", "-s", "chance/"])
    shown = capsys.readouterr().out
    assert "f_3_trim" in shown and "random" in shown and "even" in shown


@needs_data
def test_real_msaf_and_pop909_through_the_cli(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "msaf").symlink_to(DATA / "msaf_sargon")
    (data / "pop909").symlink_to(DATA / "pop909")
    selector = ("estimated/representation=nmf,dataset=msaf+pop909"
                ":chance/segmenter=random,dataset=pop909"
                ":nmf/beta=1,rank=8,segmenter=cbm,dataset=pop909")
    frame = run_cli(tmp_path, ["-c", "-s", selector], data=data, n_tracks=2)
    capsys.readouterr()
    real = frame[frame["dataset"] != "synth_structure"]
    assert set(real["dataset"]) == {"msaf", "pop909"}
    score = real.groupby(["dataset", "bars", "segmenter"])["f_3_trim"].mean()
    # measured (POP909 001 and 047, annotator 1; msaf: the 63 s Sargon cut, estimated bars):
    # nmf+cbm f_3_trim 0.62 (annotated bars), 0.65 (estimated); random 0.44; msaf 0.55
    assert score["pop909", "annotated", "cbm"] >= 0.5
    assert score["pop909", "annotated", "random"] <= 0.55
    assert score["pop909", "annotated", "cbm"] > score["pop909", "annotated", "random"]
    assert score["msaf", "estimated", "cbm"] >= 0.4
