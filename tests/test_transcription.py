"""Transcription end to end: the plain function, the CLI on synth_piano, real recordings."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nmfab.datasets import crop_annotation, synth_piano
from nmfab.datasets.audio import load_audio
from nmfab.datasets.maestro import midi_notes
from nmfab.errors import NmfabError
from nmfab.tasks.transcription import TASK, applicable, transcribe
from nmfab.mir.note_metrics import note_scores, random_notes

REPO = Path(__file__).parents[1]
DATA = Path(__file__).parents[2] / "shared" / "data" / "transcription"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared real recordings absent ({DATA})")


def test_transcribe_synthetic_track():
    y, sr, ref = synth_piano.generate("synth_piano_01", duration=6.0, sr=22050)
    est = transcribe(y, sr, beta=1, init="harmonic", fixed_W=True, max_iter=60)
    assert est.shape[1] == 4
    assert note_scores(ref, est)["f_onset"] >= 0.8


def test_transcribe_unsupervised_needs_rank_and_applicability():
    with pytest.raises(NmfabError, match="needs a rank"):
        transcribe(np.zeros(11025), 11025, init="nndsvda")
    assert "does not support" in applicable(dict(algorithm="hals", beta=1))
    assert "stft" in applicable(dict(init="harmonic", feature="cqt", algorithm="mu", beta=1))
    assert applicable(dict(init="harmonic", algorithm="mu", beta=1)) is None
    assert [step.name for step in TASK.steps] == ["feature", "factorize", "postprocess",
                                                   "evaluate"]


def test_cli_default_row_on_synth_piano_hard(tmp_path):
    from nmfab.experiment import load_results

    base = [sys.executable, str(REPO / "experiments" / "transcription.py"),
            "--results", str(tmp_path / "results"), "--cache", str(tmp_path / "cache"),
            "-s", "piano/beta=1,fixed_W=1"]
    env = dict(os.environ, PYTHONPATH=str(REPO))     # this checkout's nmfab, installed or not
    run = subprocess.run(base + ["-c"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    frame = load_results(tmp_path / "results" / "transcription")
    assert set(frame["dataset"]) == {"synth_piano_hard"}
    assert len(frame) == len(synth_piano.track_ids())
    # measured: f_onset 0.784, f_onset_cv 0.742 (harmonic combs: 0.696, 0.727)
    assert frame["f_onset"].mean() >= 0.7
    assert frame["f_onset_cv"].notna().all() and frame["f_onset_cv"].mean() >= 0.65
    assert frame["f_offset"].mean() <= frame["f_onset"].mean()
    shown = subprocess.run(base + ["-d"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert shown.returncode == 0 and "f_onset" in shown.stdout


def real_scores(audio_path, ref, init="piano", n_random=100):
    """Note scores of the default pipeline on a recording, and the random-notes mean F."""
    y, sr = load_audio(audio_path)
    est = transcribe(y, sr, beta=1, init=init, fixed_W=True, max_iter=100)
    duration = len(y) / sr
    baseline = np.mean([note_scores(ref, random_notes(len(ref), duration, seed=s))["f_onset"]
                        for s in range(n_random)])
    return note_scores(ref, est), baseline


@needs_data
def test_real_piano_madmom():
    table = np.loadtxt(DATA / "madmom_piano" / "annotations" / "stereo_sample.notes", ndmin=2)
    ref = np.column_stack([table[:, 0], table[:, 0] + table[:, 2], table[:, 1]])
    scores, baseline = real_scores(DATA / "madmom_piano" / "audio" / "stereo_sample.flac", ref)
    # measured: f_onset 0.857 (p 1.0, r 0.75); harmonic combs 0.706; random notes: mean F 0.001
    assert scores["f_onset"] >= 0.75 and scores["p_onset"] >= 0.8
    assert baseline < 0.05


@needs_data
def test_real_piano_maestro_excerpt():
    stem = DATA / "maestro_2s" / "2018" / "MIDI-Unprocessed_Chamber3_MID--AUDIO_10_R3_2018_wav--1"
    ref = crop_annotation(midi_notes(stem.with_suffix(".midi")), 2.0)
    assert len(ref) == 2
    scores, baseline = real_scores(stem.with_suffix(".wav"), ref)
    # measured: f_onset 1.0 (min_duration 0.05 s: 0.571, p 0.4); harmonic combs 0.444
    assert scores["r_onset"] == 1.0 and scores["f_onset"] >= 0.6
    assert baseline < 0.05
