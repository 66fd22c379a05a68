"""Drum dataset loaders: synth_drums, and MDB-Drums / ENST-Drums on tiny fixtures (real layouts)."""
import numpy as np
import pytest
import soundfile as sf

from nmfab.datasets.enst_drums import EnstDrums, enst_label_to_class
from nmfab.datasets.drum_annotations import read_labelled_onsets
from nmfab.datasets.mdb_drums import MdbDrums
from nmfab.datasets.synth_drums import SynthDrums
from nmfab.errors import DatasetError

SR = 8000


def write_wav(path, value, seconds=0.5):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.full(int(seconds * SR), value, dtype=np.float32), SR)


def make_mdb(root):
    """Two MDB-Drums tracks; only Rock has a full mix; Reggae audio as flac."""
    notes = root / "annotations" / "class"
    notes.mkdir(parents=True)
    (notes / "MusicDelta_Rock_class.txt").write_text("0.000000 \t KD \n0.250000 \t HH \n"
                                                     "0.300000 \t SD \n")
    (notes / "MusicDelta_Reggae_class.txt").write_text("0.100000 \t CY \n0.200000 \t KD \n")
    write_wav(root / "audio" / "drum_only" / "MusicDelta_Rock_Drum.wav", 0.25)
    write_wav(root / "audio" / "full_mix" / "MusicDelta_Rock_MIX.wav", 0.5)
    sf.write(root / "audio" / "drum_only" / "MusicDelta_Reggae_Drum.flac",
             np.zeros(SR // 2, dtype=np.float32), SR)
    return root


def test_mdb_layout(tmp_path, caplog):
    root = make_mdb(tmp_path / "mdb_drums")
    write_wav(root / "audio" / "drum_only" / "MusicDelta_Jazz_Drum.wav", 0.0)   # no annotation
    mdb = MdbDrums(root)
    mdb.validate()
    assert mdb.tracks() == ["MusicDelta_Reggae", "MusicDelta_Rock"]
    assert "MusicDelta_Jazz_class.txt" in caplog.text       # audio without annotation is named
    full = MdbDrums(root, mix="full")
    assert full.tracks() == ["MusicDelta_Rock"]
    y, sr, onsets = full.load("MusicDelta_Rock")
    assert set(onsets) == {"KD", "HH", "SD"}
    np.testing.assert_allclose(onsets["HH"], [0.25])
    assert sr == SR and y.size == SR // 2 and y[0] == pytest.approx(0.5, abs=1e-4)
    _, _, cropped = full.load("MusicDelta_Rock", duration=0.28)
    assert {c: list(t) for c, t in cropped.items()} == {"KD": [0.0], "HH": [0.25], "SD": []}
    y, _, hits = mdb.template_source("MusicDelta_Reggae")
    assert np.all(y == 0) and set(hits) == {"CY", "KD"}
    assert mdb.kit_tracks("MusicDelta_Rock") == ["MusicDelta_Reggae"]


def test_mdb_errors(tmp_path):
    with pytest.raises(DatasetError, match="MDB-Drums folder not found"):
        MdbDrums(tmp_path / "nowhere").validate()
    with pytest.raises(DatasetError, match="unknown mix 'stereo'"):
        MdbDrums(tmp_path, mix="stereo")
    mdb = MdbDrums(make_mdb(tmp_path / "mdb_drums"), mix="full")
    with pytest.raises(DatasetError, match="no audio file MusicDelta_Reggae_MIX"):
        mdb.load("MusicDelta_Reggae")
    bad = tmp_path / "bad.txt"
    bad.write_text("0.5 KD\nnot-a-time KD\n")
    with pytest.raises(DatasetError, match="bad.txt:2"):
        read_labelled_onsets(bad)


def make_enst(root):
    """drummer_1 with two tracks (one minus-one with accompaniment), drummer_2 with one."""
    for drummer, names in (("drummer_1", ("001_hits_bd", "010_minus-one_rock")),
                           ("drummer_2", ("005_hits_sd",))):
        for name in names:
            write_wav(root / drummer / "audio" / "wet_mix" / f"{name}.wav", 0.125)
            (root / drummer / "annotation").mkdir(parents=True, exist_ok=True)
            (root / drummer / "annotation" / f"{name}.txt").write_text(
                "0.1000 bd\n0.2000 chh\n0.2500 ohh\n0.3000 sd-\n0.35 rc3\n0.4 mt\n0.45 cb\n")
    write_wav(root / "drummer_1" / "audio" / "accompaniment" / "010_minus-one_rock.wav", 0.25)
    return root


def test_enst_layout(tmp_path):
    root = make_enst(tmp_path / "enst_drums")
    enst, full = EnstDrums(root), EnstDrums(root, mix="full")
    enst.validate()
    assert enst.tracks() == ["drummer_1/001_hits_bd", "drummer_1/010_minus-one_rock",
                             "drummer_2/005_hits_sd"]
    assert full.tracks() == ["drummer_1/010_minus-one_rock"]
    onsets = enst.annotation("drummer_2/005_hits_sd")
    np.testing.assert_allclose(onsets["HH"], [0.2, 0.25])
    assert {c: list(t) for c, t in onsets.items()} == {
        "KD": [0.1], "HH": [0.2, 0.25], "SD": [0.3], "CY": [0.35], "TT": [0.4], "OT": [0.45]}
    y, sr = full.audio("drummer_1/010_minus-one_rock")
    assert sr == SR and y[10] == pytest.approx(0.375, abs=1e-4)
    assert full.kit_tracks("drummer_1/001_hits_bd") == ["drummer_1/010_minus-one_rock"]
    with pytest.raises(DatasetError, match="ENST-Drums folder not found"):
        EnstDrums(tmp_path / "missing").validate()
    with pytest.raises(DatasetError, match="no drummer_N folder"):
        EnstDrums(tmp_path).validate()
    with pytest.raises(DatasetError, match="no audio file"):
        full.audio("drummer_2/005_hits_sd")


def test_enst_label_mapping():
    expected = {"bd": "KD", "sd": "SD", "sd-": "SD", "chh": "HH", "ohh": "HH", "lft": "TT",
                "cr1": "CY", "rc2": "CY", "ch5": "CY", "spl2": "CY", "c1": "CY", "cb": "OT"}
    assert {label: enst_label_to_class(label) for label in expected} == expected


def test_synth_drums_deterministic_exact_and_cached(tmp_path):
    a = SynthDrums(None, tmp_path, n_tracks=2)
    y, sr, onsets = a.load("groove01")
    files = list((tmp_path / "synth_drums").glob("*"))
    assert len(files) == 1 and files[0].suffix == ".npz"   # no temporary file left
    b = SynthDrums(None, tmp_path, n_tracks=2)              # reads the cached file
    np.testing.assert_array_equal(b.audio("groove01")[0], y)
    np.testing.assert_array_equal(SynthDrums(n_tracks=2).audio("groove01")[0], y)
    assert set(onsets) == {"KD", "SD", "HH"} and all(t.size > 4 for t in onsets.values())
    # exact onsets: the signal is silent just before the first hit and loud right after it
    first = min(t[0] for t in onsets.values())
    start = int(round(first * sr))
    assert np.all(y[:start] == 0) and np.max(np.abs(y[start:start + 200])) > 0.05
    full, _ = SynthDrums(None, tmp_path, mix="full", accomp_db=0.0, n_tracks=2).audio("groove01")
    assert np.max(np.abs(full[:start])) > 0.01      # accompaniment sounds before the drums
    assert a.kit_tracks("groove01") == ["groove00"]
    with pytest.raises(DatasetError, match="unknown synth_drums track"):
        a.annotation("groove07")
    with pytest.raises(DatasetError, match="unknown mix"):
        SynthDrums(mix="stereo")
