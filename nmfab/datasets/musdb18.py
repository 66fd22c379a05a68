"""musdb18: MUSDB18-HQ's decoded layout, read with soundfile (no musdb / stempeg / ffmpeg).

Layout: ``<data>/musdb18/{train,test}/<track>/{mixture,drums,bass,other,vocals}.wav``
(``.flac`` also accepted). The test split is evaluated; ``supervised`` learns
its dictionaries on the train split. The mixture is ``mixture.wav`` (in
MUSDB18 it is the sum of the stems; in an AAC-decoded preview only
approximately, e.g. 15.4 dB SNR for the shared one).
"""
from ..errors import DatasetError
from .audio import find_audio, require_dir
from .base import register
from .stems import SOURCES, StemsDataset


@register
class Musdb18(StemsDataset):
    """MUSDB18-HQ (decoded stems) under ``<data>/musdb18``."""

    name = "musdb18"

    def _split(self, split):
        folder = self.root / split
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def validate(self):
        """One line when the root or its test split is missing."""
        require_dir(self.root, "musdb18 dataset folder",
                    "put MUSDB18-HQ there as {train,test}/<track>/<stem>.wav")
        if not self._split("test"):
            raise DatasetError(f"musdb18: no track folder under {self.root / 'test'}; expected "
                               "test/<track>/{mixture,drums,bass,other,vocals}.wav")

    def tracks(self):
        """The test tracks."""
        return self._split("test")

    def training_tracks(self, track):
        """The train split (as ``train/<track>``)."""
        return [f"train/{name}" for name in self._split("train")]

    def stem_files(self, track):
        folder = self.root / (track if "/" in track else f"test/{track}")
        return (find_audio(folder, "mixture"),
                {source: [find_audio(folder, source)] for source in SOURCES})
