"""Ecoacoustics datasets: synth_soundscape, anuraset (fixture in its layout), labelled_soundscapes."""
from pathlib import Path

import numpy as np
import pytest
import soundfile

from nmfab import datasets
from nmfab.errors import DatasetError
from nmfab.experiment.task import Context

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "ecoacoustics"


def test_synth_soundscape_is_deterministic_with_exact_sources():
    ds = datasets.get("synth_soundscape")()
    assert len(ds.tracks()) == 24
    y, sr, ann = ds.load("clip13")
    y2, _, ann2 = ds.load("clip13")
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(ann["sources"], ann2["sources"])
    assert ann["count"] == len(ann["sources"]) == len(ann["labels"].split(","))
    residual = y - ann["sources"].sum(axis=0)            # the background only
    assert np.std(residual) <= 0.0151                    # its level is drawn in [0.005, 0.015]
    counts = [ds.load(t)[2]["count"] for t in ds.tracks()]
    assert sorted(counts) == sorted(list(range(6)) * 4)
    y16, sr16, ann16 = ds.load("clip13", sr=16000)
    assert sr16 == 16000 and ann16["sources"].shape[1] == len(y16)


def write_anuraset(root, rows, sr=22050):
    """AnuraSet's layout: metadata.csv and audio/<site>/<sample_name>.wav (1-s clips here)."""
    species = ["BOAFAB", "PHYCUV", "DENMIN"]
    lines = ["sample_name,fname,min_t,max_t,site,date,subset,species_number," + ",".join(species)]
    for i, (site, subset, present) in enumerate(rows):
        name = f"{site}_20191113_040000_{i}_{i + 3}"
        flags = [int(s in present) for s in species]
        lines.append(f"{name},{site}_20191113_040000.wav,{i},{i + 3},{site},2019-11-13,"
                     f"{subset},{sum(flags)}," + ",".join(map(str, flags)))
        (root / "audio" / site).mkdir(parents=True, exist_ok=True)
        soundfile.write(root / "audio" / site / f"{name}.wav",
                        0.1 * np.random.default_rng(i).standard_normal(sr), sr)
    (root / "metadata.csv").write_text("\n".join(lines) + "\n")


def test_anuraset_reads_its_layout(tmp_path):
    root = tmp_path / "anuraset"
    write_anuraset(root, [("INCT17", "train", ["BOAFAB"]), ("INCT4", "test", ["BOAFAB", "DENMIN"]),
                          ("INCT4", "test", [])])
    context = Context(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    test = datasets.open_dataset("anuraset", context, "ecoacoustics", subset="test")
    assert len(test.tracks()) == 2
    counts = {t: test.load(t)[2]["count"] for t in test.tracks()}
    assert sorted(counts.values()) == [0, 2]
    every = datasets.open_dataset("anuraset", context, "ecoacoustics", subset="all")
    assert len(every.tracks()) == 3
    y, sr, ann = every.load(every.tracks()[0])
    assert sr == 22050 and len(y) == 22050 and ann["labels"] == "BOAFAB"
    (root / "metadata.csv").unlink()
    with pytest.raises(DatasetError, match="metadata"):
        datasets.open_dataset("anuraset", context, "ecoacoustics")


def test_labelled_soundscapes_windows_and_counts(tmp_path):
    root = tmp_path / "labelled_soundscapes" / "site1"
    root.mkdir(parents=True)
    soundfile.write(root / "rec.flac", np.zeros(8000 * 5), 8000)
    (root / "rec.txt").write_text("0.5\t1.5\tA\n\\\t100\t200\n1.0\t3.5\tB\n")
    soundfile.write(root / "unlabelled.wav", np.zeros(8000), 8000)
    context = Context(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    ds = datasets.open_dataset("labelled_soundscapes", context, "ecoacoustics", clip_seconds=2.0)
    assert ds.tracks() == ["site1/rec@0", "site1/rec@2"]
    y, sr, ann = ds.load("site1/rec@2")
    assert (len(y), sr, ann["count"], ann["labels"]) == (16000, 8000, 1, "B")
    assert ds.load("site1/rec@0")[2]["count"] == 2


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared recordings absent: {SHARED}")
def test_labelled_soundscapes_on_the_shared_recordings(tmp_path):
    root = tmp_path / "labelled_soundscapes"
    root.mkdir()
    for path in SHARED.glob("*/*"):
        if path.suffix in (".flac", ".txt"):
            (root / path.name).symlink_to(path)
    context = Context(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    ds = datasets.open_dataset("labelled_soundscapes", context, "ecoacoustics", clip_seconds=2.0)
    tracks = ds.tracks()
    assert len(tracks) == 9 + 5                       # 19.5 s and 10 s recordings
    counts = [ds.annotation(t)["count"] for t in tracks]
    assert max(counts) == 2 and min(counts) == 0
    assert ds.annotation("soundscape_20200501_22050@4")["labels"] == "car_horn,siren"
