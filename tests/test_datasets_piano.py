"""Piano datasets: the synthetic generator, MAPS and mirdata-MAESTRO loaders on tiny fixtures."""
import json
from pathlib import Path

import numpy as np
import pretty_midi
import pytest
import soundfile as sf

from nmfab.datasets import synth_piano
from nmfab.datasets.maestro import Maestro
from nmfab.datasets.maps import Maps
from nmfab.errors import DatasetError
from nmfab.experiment import Context
from nmfab.tasks.transcription import list_tracks

SR = 8000


def test_synth_piano_is_deterministic_and_varied():
    y1, sr, notes = synth_piano.generate("synth_piano_01", duration=4.0, sr=SR)
    y2, _, notes2 = synth_piano.generate("synth_piano_01", duration=4.0, sr=SR)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(notes, notes2)
    y3, _, _ = synth_piano.generate("synth_piano_01", duration=4.0, sr=SR, seed=1)
    assert not np.array_equal(y1, y3)
    assert sr == SR and len(y1) == 4 * SR and np.max(np.abs(y1)) == pytest.approx(0.9)
    all_notes = np.concatenate([synth_piano.score(i) for i in range(6)])
    assert all_notes[:, 2].min() >= 36 and all_notes[:, 2].max() <= 96
    assert np.all(all_notes[:, 1] > all_notes[:, 0])
    polyphony = [np.max(np.unique(synth_piano.score(i)[:, 0], return_counts=True)[1])
                 for i in range(6)]
    assert min(polyphony) == 1 and max(polyphony) == 4


def test_synth_notes_never_overlap_on_one_pitch():
    for index in range(6):
        notes = synth_piano.score(index)
        for pitch in np.unique(notes[:, 2]):
            same = notes[notes[:, 2] == pitch]
            assert np.all(same[1:, 0] >= same[:-1, 1])


def test_synth_note_spectrum_peaks_at_its_partials():
    rng = np.random.default_rng(0)
    y = synth_piano.render_note(57, 1.0, 1.0, 22050, rng)    # A3 = 220 Hz
    spectrum = np.abs(np.fft.rfft(y[:22050]))
    freqs = np.fft.rfftfreq(22050, 1 / 22050)
    assert freqs[np.argmax(spectrum)] == pytest.approx(220.0, abs=2.0)
    second = spectrum[(freqs > 400) & (freqs < 480)]
    assert freqs[(freqs > 400) & (freqs < 480)][np.argmax(second)] == pytest.approx(440, abs=3)


def test_synth_cache_roundtrip(tmp_path):
    y, sr, notes = synth_piano.load_track("synth_piano_02", cache_dir=tmp_path, duration=3.0, sr=SR)
    files = list((tmp_path / "synth_piano").glob("*.h5"))
    assert len(files) == 1
    y2, sr2, notes2 = synth_piano.load_track("synth_piano_02", cache_dir=tmp_path, duration=3.0,
                                             sr=SR)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(notes, notes2)
    files[0].write_bytes(b"broken")                      # an unreadable file is regenerated
    y3, _, _ = synth_piano.load_track("synth_piano_02", cache_dir=tmp_path, duration=3.0, sr=SR)
    np.testing.assert_array_equal(y, y3)


def make_maps(root, instruments=("ENSTDkCl", "AkPnBcht")):
    """A tiny MAPS tree: <root>/maps/<instrument>/MUS/<name>.wav + .txt."""
    for inst in instruments:
        folder = root / "maps" / inst / "MUS"
        folder.mkdir(parents=True)
        name = f"MAPS_MUS-test_{inst}"
        sf.write(folder / f"{name}.wav", np.zeros(SR * 2, dtype=np.float32), SR)
        (folder / f"{name}.txt").write_text("OnsetTime\tOffsetTime\tMidiPitch\n"
                                            "0.5\t1.0\t60\n1.5\t2.5\t64\n")
        (folder / "notes.mid").write_text("not audio")
    return root / "maps"


def test_maps_layout(tmp_path):
    root = make_maps(tmp_path)
    assert Maps(root).tracks() == ["AkPnBcht/MAPS_MUS-test_AkPnBcht",
                                   "ENSTDkCl/MAPS_MUS-test_ENSTDkCl"]
    chosen = Maps(root, maps_instruments="ENSTDkCl")
    chosen.validate()
    assert chosen.tracks() == ["ENSTDkCl/MAPS_MUS-test_ENSTDkCl"]
    y, sr, notes = chosen.load("ENSTDkCl/MAPS_MUS-test_ENSTDkCl", sr=4000)
    assert sr == 4000 and len(y) == 8000
    # the 2-s file ends before the second note's offset (2.5 s): cropped to the audio loaded
    np.testing.assert_allclose(notes, [[0.5, 1.0, 60], [1.5, 2.0, 64]])
    _, _, cropped = chosen.load("ENSTDkCl/MAPS_MUS-test_ENSTDkCl", duration=1.2)
    np.testing.assert_allclose(cropped, [[0.5, 1.0, 60]])
    context = Context(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    setting = dict(dataset="maps", maps_instruments="AkPnBcht")
    assert list_tracks(setting, context) == ["AkPnBcht/MAPS_MUS-test_AkPnBcht"]


def test_maps_errors(tmp_path, caplog):
    with pytest.raises(DatasetError, match="MAPS dataset folder not found"):
        Maps(tmp_path / "nowhere").validate()
    root = make_maps(tmp_path, ("ENSTDkAm",))
    with pytest.raises(DatasetError, match="SptkBGCl.*available: ENSTDkAm"):
        Maps(root, maps_instruments="SptkBGCl").validate()
    annotation = root / "ENSTDkAm" / "MUS" / "MAPS_MUS-test_ENSTDkAm.txt"
    annotation.unlink()
    with pytest.raises(DatasetError, match="annotation not found"):
        Maps(root).load("ENSTDkAm/MAPS_MUS-test_ENSTDkAm")
    with pytest.raises(DatasetError, match="no annotated MAPS"):
        Maps(root).tracks()
    assert "MAPS_MUS-test_ENSTDkAm.txt" in caplog.text      # the skipped file is named
    with pytest.raises(DatasetError, match="--data"):
        list_tracks(dict(dataset="maps"), Context(data_dir=None, cache_dir=tmp_path))


TRACK = "2018/MIDI-test_wav--1"


def make_maestro(root, with_index=True):
    """A tiny MAESTRO tree as mirdata reads it, with a local copy of the index."""
    home = root / "maestro"
    (home / "2018").mkdir(parents=True)
    sf.write(home / f"{TRACK}.wav", np.zeros((SR * 3, 2), dtype=np.float32), SR)
    midi = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    for start, end, pitch in ((0.5, 1.0, 60), (1.0, 2.5, 67), (2.8, 4.0, 72)):
        piano.notes.append(pretty_midi.Note(velocity=80, pitch=pitch, start=start, end=end))
    midi.instruments.append(piano)
    midi.write(str(home / f"{TRACK}.midi"))
    (home / "maestro-v2.0.0.json").write_text(json.dumps([dict(
        canonical_composer="X", canonical_title="Y", split="test", year=2018,
        midi_filename=f"{TRACK}.midi", audio_filename=f"{TRACK}.wav", duration=4.0)]))
    if with_index:
        index = {"version": "2.0.0", "tracks": {TRACK: {
            "audio": [f"{TRACK}.wav", None], "midi": [f"{TRACK}.midi", None]}}}
        (home / "maestro_index_2.0.0.json").write_text(json.dumps(index))
    return home


def test_maestro_through_mirdata(tmp_path):
    home = make_maestro(tmp_path)
    Maestro(home).validate()
    assert Maestro(home).tracks() == [TRACK]
    assert Maestro(home, split="test").tracks() == [TRACK]
    y, sr, notes = Maestro(home).load(TRACK, sr=4000, duration=2.9)
    assert sr == 4000 and y.ndim == 1 and len(y) == int(2.9 * 4000)
    np.testing.assert_allclose(notes, [[0.5, 1.0, 60], [1.0, 2.5, 67], [2.8, 2.9, 72]], atol=2e-3)
    # an excerpt longer than the 3-s file: notes cropped to the audio loaded, not to 10 s
    _, _, notes = Maestro(home).load(TRACK, duration=10.0)
    assert notes[:, 1].max() <= 3.0 + 1e-9 and len(notes) == 3
    with pytest.raises(DatasetError, match="unknown MAESTRO track"):
        Maestro(home).load("2018/nothing")


def test_maestro_missing_index_says_how_to_get_it(tmp_path):
    import mirdata

    installed = Path(mirdata.initialize("maestro", data_home=str(tmp_path)).index_path)
    if installed.is_file():
        pytest.skip(f"mirdata's own MAESTRO index is installed at {installed}")
    home = make_maestro(tmp_path, with_index=False)
    with pytest.raises(DatasetError, match="index maestro_index_2.0.0.json is absent.*zenodo"):
        Maestro(home).validate()
    with pytest.raises(DatasetError, match="MAESTRO dataset folder not found"):
        Maestro(tmp_path / "nowhere").validate()


def test_maestro_files_without_mirdata_in_the_task_grouped_layout(tmp_path):
    from nmfab.datasets.piano_recordings import MaestroFiles, present

    home = make_maestro(tmp_path / "transcription", with_index=False)
    home.rename(tmp_path / "transcription" / "maestro_2s")
    # found as <data>/maestro_2s or, as in ../shared/data, <data>/transcription/maestro_2s
    assert present(tmp_path, ["maestro_2s", "madmom_piano"]) == ["maestro_2s"]
    context = Context(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    assert list_tracks(dict(dataset="maestro_2s"), context) == [TRACK]
    y, sr, notes = MaestroFiles(tmp_path / "maestro_2s").load(TRACK, sr=4000, duration=2.0)
    assert sr == 4000 and y.ndim == 1 and len(y) == 8000
    np.testing.assert_allclose(notes, [[0.5, 1.0, 60], [1.0, 2.0, 67]], atol=2e-3)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no MAESTRO"):
        MaestroFiles(tmp_path / "empty").tracks()


def test_madmom_piano_notes_and_onset_only_files(tmp_path):
    from nmfab.datasets.piano_recordings import MadmomPiano

    root = tmp_path / "madmom_piano"
    (root / "audio").mkdir(parents=True)
    (root / "annotations").mkdir()
    for stem in ("stereo_sample", "sample"):
        sf.write(root / "audio" / f"{stem}.wav", np.zeros(SR * 2, dtype=np.float32), SR)
    (root / "annotations" / "stereo_sample.notes").write_text(
        "# onset pitch duration velocity\n0.5\t60\t0.25\t70\n1.5\t64\t1.0\t60\n")
    (root / "annotations" / "sample.onsets").write_text("# onsets\n0.1\n")
    dataset = MadmomPiano(root)
    dataset.validate()
    assert dataset.tracks() == ["stereo_sample"]            # onset-only files are not tracks
    _, _, notes = dataset.load("stereo_sample")
    np.testing.assert_allclose(notes, [[0.5, 0.75, 60], [1.5, 2.0, 64]])
    (root / "annotations" / "stereo_sample.notes").write_text("0.5\t60\n")
    with pytest.raises(DatasetError, match="3 columns"):
        dataset.annotation("stereo_sample")
    with pytest.raises(DatasetError, match="madmom_piano folder not found"):
        MadmomPiano(tmp_path / "nowhere").validate()


def test_synth_piano_hard_is_deterministic_and_harder():
    from nmfab.datasets import synth_piano_hard as hard

    y1, sr, notes = hard.generate("synth_piano_hard_01", duration=3.0, sr=SR)
    y2, _, notes2 = hard.generate("synth_piano_hard_01", duration=3.0, sr=SR)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(notes, notes2)
    assert len(y1) == 3 * SR and np.max(np.abs(y1)) == pytest.approx(0.9)
    scores = [hard.score(i) for i in range(6)]
    all_notes = np.concatenate([s[0] for s in scores])
    assert np.all(all_notes[:, 1] > all_notes[:, 0])
    onsets = np.concatenate([np.round(s[0][:, 0], 1) for s in scores])
    assert np.max(np.unique(onsets, return_counts=True)[1]) >= 5      # dense chords
    assert all(len(s[1]) >= 2 for s in scores)                         # pedal spans in every track
    # its inharmonicity is not the template model's (templates cannot match it exactly)
    from nmfab.mir.templates import piano_inharmonicity
    pitches = np.arange(24, 101)
    assert np.max(np.abs(hard.inharmonicity(pitches) / piano_inharmonicity(pitches) - 1)) > 0.3
    # a pedalled note keeps sounding after its key release: energy remains after the offset
    rng = np.random.default_rng(0)
    short = hard.render_note(60, 0.8, 0.2, SR, rng)
    assert len(short) == int(0.3 * SR)
    assert hard._sounding_until(1.0, 1.5, np.array([[1.2, 2.5]])) == 2.5
    assert hard._sounding_until(1.0, 1.5, np.array([[1.6, 2.5]])) == 1.5
