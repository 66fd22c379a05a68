"""The one dataset protocol: every registered class, a dataset defined outside nmfab, the registry."""
import numpy as np
import pytest
import soundfile as sf

from nmfab import datasets
from nmfab.datasets import base
from nmfab.errors import DatasetError, NmfabError
from nmfab.experiment import Context
from nmfab.tasks import drums, transcription

SR = 8000
ALL = sorted(datasets.for_task("transcription") + datasets.for_task("drums"))


def test_builtin_datasets_are_registered_per_task():
    assert datasets.for_task("transcription") == ["madmom_piano", "maestro", "maestro_2s", "maps",
                                                  "synth_piano", "synth_piano_hard"]
    assert datasets.for_task("drums") == ["enst_drums", "mdb_drums", "synth_drums"]


@pytest.mark.parametrize("name", ALL)
def test_every_dataset_follows_the_protocol(name, tmp_path):
    cls = datasets.get(name)
    assert issubclass(cls, datasets.Dataset) and cls.name == name
    assert cls.task in ("transcription", "drums") and isinstance(cls.embedded, bool)
    assert isinstance(cls.factors, tuple)
    for method in ("validate", "tracks", "load"):
        assert callable(getattr(cls, method))
    if cls.task == "drums":
        assert issubclass(cls, datasets.DrumDataset)
    empty = tmp_path / name
    empty.mkdir()
    dataset = cls(empty, tmp_path / "cache")
    if cls.embedded:
        dataset.validate()                      # generated: nothing to find on disk
        assert dataset.tracks()
        return
    with pytest.raises(DatasetError) as error:
        dataset.validate()
    message = str(error.value)
    assert "\n" not in message and str(empty) in message


@pytest.mark.parametrize("name", ["synth_piano", "synth_piano_hard", "synth_drums"])
def test_embedded_datasets_crop_to_the_audio_loaded(name, tmp_path):
    dataset = datasets.get(name)(None, tmp_path)
    track = dataset.tracks()[0]
    y, sr, annotation = dataset.load(track, duration=2.0)
    assert len(y) == 2 * sr
    if isinstance(annotation, dict):
        assert all(np.all(t < 2.0) for t in annotation.values())
    else:
        assert annotation[:, 0].max() < 2.0 and annotation[:, 1].max() <= 2.0


def test_get_unknown_name_lists_the_valid_ones():
    with pytest.raises(DatasetError, match="unknown transcription dataset 'mapz'; choose one of: "
                                           "madmom_piano, .*, synth_piano_hard$"):
        datasets.get("mapz", "transcription")
    with pytest.raises(DatasetError, match="unknown drums dataset 'maps'"):
        datasets.get("maps", "drums")


def test_register_rejects_what_is_not_a_dataset():
    with pytest.raises(NmfabError, match="subclass of nmfab.datasets.Dataset"):
        datasets.register(dict)

    class Nameless(datasets.Dataset):
        task = "drums"

    with pytest.raises(NmfabError, match="non-empty `name`"):
        datasets.register(Nameless)

    class Impostor(datasets.Dataset):
        name, task = "maps", "transcription"

    with pytest.raises(NmfabError, match="already registered"):
        datasets.register(Impostor)


class ToyNotes(datasets.Dataset):
    """A dataset written outside nmfab: ``<root>/<name>.wav`` and ``<name>.csv`` notes."""

    name = "toy_notes"
    task = "transcription"

    def tracks(self):
        return sorted(p.stem for p in self.root.glob("*.wav"))

    def audio(self, track, sr=None, duration=None):
        from nmfab.datasets.audio import load_audio

        return load_audio(self.root / f"{track}.wav", sr=sr, duration=duration)

    def annotation(self, track):
        return np.loadtxt(self.root / f"{track}.csv", delimiter=",", ndmin=2)


@pytest.fixture
def toy_registry(monkeypatch):
    """Register ToyNotes for one test only."""
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    return datasets.register(ToyNotes)


def test_dataset_from_outside_the_package_joins_the_task(toy_registry, tmp_path):
    root = tmp_path / "data" / "toy_notes"
    root.mkdir(parents=True)
    sf.write(root / "a.wav", np.zeros(2 * SR, dtype=np.float32), SR)     # a 2-s clip
    np.savetxt(root / "a.csv", [[0.5, 1.0, 60], [1.5, 3.0, 64], [2.5, 3.0, 67]], delimiter=",")
    assert "toy_notes" in datasets.for_task("transcription")
    context = Context(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    setting = dict(dataset="toy_notes", excerpt=30.0, sr=SR)
    assert transcription.list_tracks(setting, context) == ["a"]
    feature = transcription.feature_step(setting, "a", {}, context)
    # the 2-s clip never scores against notes after 2 s, whatever the excerpt asked
    np.testing.assert_allclose(feature["ref_notes"], [[0.5, 1.0, 60], [1.5, 2.0, 64]])
    assert feature["duration"] == pytest.approx(2.0)
    with pytest.raises(DatasetError, match="unknown drums dataset 'toy_notes'"):
        drums.list_tracks(dict(dataset="toy_notes"), context)


def test_open_dataset_passes_only_declared_factors(tmp_path):
    context = Context(data_dir=None, cache_dir=tmp_path)
    synth = datasets.open_dataset("synth_drums", context, "drums", mix="full", accomp_db=0.0,
                                  maps_instruments="all")
    assert (synth.mix, synth.accomp_db) == ("full", 0.0)
    with pytest.raises(DatasetError, match="pass --data DIR"):
        datasets.open_dataset("mdb_drums", context, "drums", mix="full")
