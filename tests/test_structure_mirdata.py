"""Structure datasets read through mirdata (salami, rwc_popular, beatles) on tiny fixtures.

Each fixture is the dataset's real on-disk layout (as mirdata's loaders read it) with a
minimal local copy of mirdata's index, built here; nothing is downloaded.
"""
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

mirdata = pytest.importorskip("mirdata")

from nmfab import datasets  # noqa: E402
from nmfab.datasets.beatles import Beatles  # noqa: E402
from nmfab.datasets.rwc_popular import RwcPopular  # noqa: E402
from nmfab.datasets.salami import Salami  # noqa: E402
from nmfab.errors import DatasetError  # noqa: E402
from nmfab.tasks.structure import DEFAULTS, applicable  # noqa: E402

SR = 8000
SECONDS = 12.0


def index_name(name, tmp_path):
    """The file name of the index mirdata expects for ``name`` (its default version)."""
    return Path(mirdata.initialize(name, data_home=str(tmp_path)).index_path).name


def write_audio(path, seconds=SECONDS):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    sf.write(path, 0.1 * rng.standard_normal(int(seconds * SR)).astype(np.float32), SR)


def write_text(home, rel, text):
    path = home / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return rel


def write_index(home, name, tracks, tmp_path, with_index=True):
    if with_index:
        index = {"version": "fixture", "tracks": {
            tid: {key: [rel, None] for key, rel in keys.items()} for tid, keys in tracks.items()}}
        (home / index_name(name, tmp_path)).write_text(json.dumps(index))
    return home


SALAMI_ANN = "salami-data-public-hierarchy-corrections/annotations/{}/parsed/textfile{}_{}.txt"


def make_salami(root, tmp_path, with_index=True):
    """Tracks 10 (two annotators), 20 (annotator 1 only), 30 (indexed, no audio)."""
    home = root / "salami"
    tracks = {}
    for tid, annotators in (("10", (1, 2)), ("20", (1,)), ("30", (1, 2))):
        keys = {"audio": f"audio/{tid}.mp3" if tid == "30" else f"audio/{tid}.wav"}
        for a in (1, 2):
            for level in ("uppercase", "lowercase"):
                keys[f"annotator_{a}_{level}"] = (SALAMI_ANN.format(tid, a, level)
                                                   if a in annotators else None)
        tracks[tid] = keys
        if tid != "30":
            write_audio(home / keys["audio"])
        up = {1: "0.0\tSilence\n0.5\tA\n4.0\tB\n8.0\tA\n11.5\tSilence\n12.0\tEnd\n",
              2: "0.0\tSilence\n0.5\tA\n6.0\tB\n11.5\tSilence\n12.0\tEnd\n"}
        for a in annotators:
            write_text(home, SALAMI_ANN.format(tid, a, "uppercase"), up[a])
            write_text(home, SALAMI_ANN.format(tid, a, "lowercase"),
                       "0.0\tz\n0.5\ta\n2.0\tb\n4.0\tc\n12.0\tend\n")
    return write_index(home, "salami", tracks, tmp_path, with_index)


BEATLES_SEG = "annotations/seglab/The Beatles/01_-_Album/{}.lab"
BEATLES_BEAT = "annotations/beat/The Beatles/01_-_Album/{}.txt"


def make_beatles(root, tmp_path, with_index=True):
    """Song 0101 with beats (4/4, 0.5 s beats, pickup of two beats), 0102 without beats."""
    home = root / "beatles"
    tracks = {}
    for tid, song in (("0101", "01_-_One"), ("0102", "02_-_Two")):
        keys = {"audio": f"audio/01_-_Album/{song}.wav",
                "sections": BEATLES_SEG.format(song), "chords": None, "keys": None,
                "beat": BEATLES_BEAT.format(song) if tid == "0101" else None}
        tracks[tid] = keys
        write_audio(home / keys["audio"])
        write_text(home, keys["sections"], "0.000\t1.000\t1\tsilence\n1.000\t5.000\t2\tintro\n"
                   "5.000\t9.000\t3\tverse\n9.000\t12.000\t4\toutro\n")
        if keys["beat"]:
            times = 0.0 + 0.5 * np.arange(22)            # beats at 0.0 .. 10.5 s
            positions = [(k + 2) % 4 + 1 for k in range(22)]  # 3 4 1 2 3 4 1 ...
            write_text(home, keys["beat"], "".join(f"{t:.3f}  {p}\n"
                                                   for t, p in zip(times, positions)))
    return write_index(home, "beatles", tracks, tmp_path, with_index)


def make_rwc_popular(root, tmp_path, with_index=True):
    """Piece RM-P001: four sections, bar heads every 2 s (beats 384, 96, 192, 288)."""
    home = root / "rwc_popular"
    keys = {"audio": "audio/rwc-p-m01/1.wav",
            "sections": "annotations/AIST.RWC-MDB-P-2001.CHORUS/RM-P001.CHORUS.TXT",
            "beats": "annotations/AIST.RWC-MDB-P-2001.BEAT/RM-P001.BEAT.TXT",
            "chords": None, "voca_inst": None}
    write_audio(home / keys["audio"])
    write_text(home, keys["sections"], "0\t200\tintro\n200\t600\tverse A\n600\t1000\tchorus A\n"
               "1000\t1200\tending\n")
    ticks = [384, 96, 192, 288]
    write_text(home, keys["beats"], "".join(f"{50 * k}\t{50 * (k + 1)}\t{ticks[k % 4]}\n"
                                            for k in range(24)))   # 0 .. 11.5 s
    return write_index(home, "rwc_popular", {"RM-P001": keys}, tmp_path, with_index)


def test_registered_for_the_structure_task():
    names = datasets.for_task("structure")
    assert {"salami", "rwc_popular", "beatles"} <= set(names)
    assert datasets.get("salami").factors == ("annotator",)


def test_salami_tracks_segments_and_annotator(tmp_path, caplog):
    home = make_salami(tmp_path, tmp_path)
    Salami(home).validate()
    assert Salami(home).tracks() == ["10", "20"]           # 30 has no audio
    with caplog.at_level(logging.WARNING):
        assert Salami(home, annotator=2).tracks() == ["10"]
    assert "20" in caplog.text                              # skipped: no annotator 2
    y, sr, ref = Salami(home).load("10")
    assert sr == SR and len(y) == int(SECONDS * SR)
    np.testing.assert_allclose(ref["intervals"], [[0, 0.5], [0.5, 4], [4, 8], [8, 11.5],
                                                  [11.5, 12]])
    assert ref["labels"] == ["Silence", "A", "B", "A", "Silence"]
    assert ref["downbeats"] is None
    ref2 = Salami(home, annotator=2).annotation("10")
    np.testing.assert_allclose(ref2["intervals"][:, 0], [0, 0.5, 6, 11.5])
    assert Salami(home, level="lowercase").annotation("10")["labels"] == ["z", "a", "b", "c"]
    _, _, cropped = Salami(home).load("10", duration=5.0)
    np.testing.assert_allclose(cropped["intervals"], [[0, 0.5], [0.5, 4], [4, 5]])
    with pytest.raises(DatasetError, match="salami annotator"):
        Salami(home, annotator=3)
    with pytest.raises(DatasetError, match="unknown salami track '99'"):
        Salami(home).load("99")


def test_bars_annotated_needs_a_dataset_with_downbeats():
    setting = dict(DEFAULTS, algorithm="mu", beta=2, bars="annotated")
    assert applicable(dict(setting, dataset="salami")) == (
        "dataset salami has no annotated bars (use bars=estimated)")
    assert applicable(dict(setting, dataset="salami", bars="estimated")) is None
    assert applicable(dict(setting, dataset="beatles")) is None
    assert applicable(dict(setting, dataset="rwc_popular")) is None


def test_beatles_segments_and_downbeats(tmp_path):
    home = make_beatles(tmp_path, tmp_path)
    Beatles(home).validate()
    assert Beatles(home).tracks() == ["0101", "0102"]
    _, _, ref = Beatles(home).load("0101", sr=4000)
    np.testing.assert_allclose(ref["intervals"], [[0, 1], [1, 5], [5, 9], [9, 12]])
    assert ref["labels"] == ["silence", "intro", "verse", "outro"]
    # beats at 0.5 s, positions 3 4 1 2 ...: downbeats at 1, 3, ..., 9, the last bar closed at 11
    np.testing.assert_allclose(ref["downbeats"], np.arange(1.0, 11.5, 2.0))
    assert Beatles(home).annotation("0102")["downbeats"] is None   # no beat file


def test_rwc_popular_segments_and_downbeats(tmp_path):
    home = make_rwc_popular(tmp_path, tmp_path)
    RwcPopular(home).validate()
    assert RwcPopular(home).tracks() == ["RM-P001"]
    _, _, ref = RwcPopular(home).load("RM-P001")
    np.testing.assert_allclose(ref["intervals"], [[0, 2], [2, 6], [6, 10], [10, 12]])
    assert ref["labels"] == ["intro", "verse A", "chorus A", "ending"]
    np.testing.assert_allclose(ref["downbeats"], [0, 2, 4, 6, 8, 10, 12])


@pytest.mark.parametrize("cls,make", [(Salami, make_salami), (Beatles, make_beatles),
                                      (RwcPopular, make_rwc_popular)])
def test_missing_folder_and_missing_index_are_one_line(tmp_path, cls, make):
    with pytest.raises(DatasetError, match=f"{cls.name} dataset folder not found"):
        cls(tmp_path / "nowhere").validate()
    installed = Path(mirdata.initialize(cls.name, data_home=str(tmp_path)).index_path)
    if installed.is_file():
        pytest.skip(f"mirdata's own {cls.name} index is installed at {installed}")
    home = make(tmp_path, tmp_path, with_index=False)
    with pytest.raises(DatasetError) as error:
        cls(home).validate()
    message = str(error.value)
    assert "\n" not in message
    assert f"index {index_name(cls.name, tmp_path)} is absent" in message
    assert "zenodo" in message and str(home) in message


def test_no_audio_and_missing_annotation_are_reported(tmp_path, caplog):
    home = make_beatles(tmp_path, tmp_path)
    (home / BEATLES_SEG.format("02_-_Two")).unlink()
    with caplog.at_level(logging.WARNING):
        assert Beatles(home).tracks() == ["0101"]
    assert "02_-_Two.lab" in caplog.text
    for wav in (home / "audio").rglob("*.wav"):
        wav.unlink()
    with pytest.raises(DatasetError, match="no audio of the beatles index found"):
        Beatles(home).tracks()


def test_missing_mirdata_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mirdata", None)
    with pytest.raises(DatasetError, match=r'mirdata, which is not installed: .*\[mirdata\]'):
        Salami(tmp_path).validate()


def test_feature_step_reads_the_annotated_or_estimated_bars(tmp_path):
    from nmfab.experiment import Context
    from nmfab.tasks.structure import feature_step, list_tracks

    make_beatles(tmp_path, tmp_path)
    make_salami(tmp_path, tmp_path)
    context = Context(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    setting = dict(DEFAULTS, dataset="beatles", frames_per_bar=8, n_mels=16)
    assert list_tracks(setting, context) == ["0101", "0102"]
    out = feature_step(setting, "0101", {}, context)
    assert out["n_bars"] == 5 and out["X"].shape == (5, 16 * 8)
    np.testing.assert_allclose(out["downbeats"], np.arange(1.0, 11.5, 2.0))
    assert list_tracks(dict(setting, dataset="salami", annotator=2), context) == ["10"]
    out = feature_step(dict(setting, dataset="salami", bars="estimated"), "10", {}, context)
    assert out["n_bars"] >= 1
