"""msaf: a structure dataset in msaf's folder layout (audio + JAMS segment references).

Layout under ``<data>/msaf/``: ``audio/<name>.{wav,flac,mp3}`` and
``references/<name>.jams`` (JAMS 0.2, the first ``segment_*`` annotation: its
segment starts and the last end are the boundaries). msaf's own datasets
(SALAMI, Beatles, ... converted by msaf) and its test fixture use this layout.
No bar annotation: analyse with ``bars=estimated``.
"""
from .audio import load_audio, require_dir
from .base import register
from .structure_annotations import StructureDataset, read_jams_segments

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3")


@register
class Msaf(StructureDataset):
    """Songs of an msaf-layout folder (``audio/``, ``references/``)."""

    name = "msaf"

    def validate(self):
        """One line when the root or its ``audio/`` / ``references/`` folder is missing."""
        for sub in ("", "audio", "references"):
            require_dir(self.root / sub, f"msaf {sub or 'dataset'} folder",
                        "expected audio/<name>.{wav,flac,mp3} and references/<name>.jams")

    def _audio_files(self):
        return {p.stem: p for p in sorted((self.root / "audio").iterdir())
                if p.suffix.lower() in AUDIO_SUFFIXES}

    def tracks(self):
        """Names of the audio files that have a reference JAMS (others warn and are skipped)."""
        return self.keep_annotated((stem, self.root / "references" / f"{stem}.jams")
                                   for stem in self._audio_files())

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)`` of ``audio/<track>.*``, mono."""
        return load_audio(self._audio_files()[track], sr=sr, duration=duration)

    def annotation(self, track):
        """Segments of ``references/<track>.jams`` (no downbeats)."""
        return read_jams_segments(self.root / "references" / f"{track}.jams")
