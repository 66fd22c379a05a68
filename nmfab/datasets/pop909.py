"""pop909: POP909 piano arrangements with the human structure labels of Dai et al. (2020).

Layout under ``<data>/pop909/`` (the two repositories side by side):

* ``POP909-Dataset/POP909/<id>/<id>.mid`` and ``beat_midi.txt`` (time s, beat flag,
  downbeat flag) from music-x-lab/POP909-Dataset;
* ``hierarchical-structure-analysis/POP909/<id>/human_label1.txt``, ``human_label2.txt``
  (phrase tokens ``<letter><bars>``, e.g. ``i4A8B8o2``) and ``melody.txt`` (MIDI pitch,
  length in 16ths; pitch 0 is a rest) from Dsqvival/hierarchical-structure-analysis.

Bar 1 of the labels is the first downbeat of ``melody.txt``: the MIDI time of the
first melody note minus the leading rest of ``melody.txt``, snapped to the nearest
downbeat of ``beat_midi.txt``; later bars follow those downbeats (extended at the
median bar length past the last one). The audio is synthesised from the MIDI by
pretty_midi (additive tones, three harmonics; no soundfont needed), so this
dataset is real arrangements with human annotations, not real recordings. The
render is cached as ``.npz`` in the cache folder. Factor ``annotator`` (1 or 2)
chooses the label file.
"""
import re

import numpy as np

from ..errors import DatasetError, check_choice
from .audio import require_dir
from .base import register
from .structure_annotations import StructureDataset, cached_arrays

SR = 22050
VERSION = "1"
MIDI_DIR = "POP909-Dataset/POP909"
LABEL_DIR = "hierarchical-structure-analysis/POP909"
TOKEN = re.compile(r"([A-Za-z])(\d+)")


def parse_label(text):
    """Phrase tokens ``<letter><bars>`` -> ``(letters, bar counts)``.

    Examples
    --------
    >>> parse_label("i4A4B8o3\\n")
    (['i', 'A', 'B', 'o'], [4, 4, 8, 3])
    """
    tokens = TOKEN.findall(text.strip())
    if not tokens or "".join(a + b for a, b in tokens) != "".join(text.split()):
        raise DatasetError(f"not a POP909 structure label (<letter><bars> tokens): {text!r}")
    return [letter for letter, _ in tokens], [int(bars) for _, bars in tokens]


def wave(phase):
    """The synthesis waveform: a fundamental and two weaker harmonics."""
    return np.sin(phase) + 0.4 * np.sin(2 * phase) + 0.2 * np.sin(3 * phase)


def render_midi(path, sr=SR):
    """Mono float32 audio of a MIDI file (pretty_midi additive synthesis), peak 0.9."""
    import pretty_midi

    y = pretty_midi.PrettyMIDI(str(path)).synthesize(fs=sr, wave=wave)
    return (0.9 * y / max(np.max(np.abs(y)), 1e-12)).astype(np.float32)


def melody_start(midi_path, melody_path, beat_times):
    """MIDI time (s) of the start of ``melody.txt``: first melody note minus the leading rest."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(str(midi_path))
    melody = [i for i in midi.instruments if i.name.upper() == "MELODY"] or midi.instruments
    first = min(note.start for note in melody[0].notes)
    rows = np.loadtxt(melody_path, ndmin=2)
    rest = rows[0, 1] if rows[0, 0] == 0 else 0.0
    return first - rest * np.median(np.diff(beat_times)) / 4.0


@register
class Pop909(StructureDataset):
    """POP909 songs present in both repositories' folders, with a label of ``annotator``."""

    name = "pop909"
    has_bars = True
    factors = ("annotator",)

    def __init__(self, root=None, cache_dir=None, annotator=1):
        super().__init__(root, cache_dir)
        self.annotator = int(check_choice("pop909 annotator", int(annotator), (1, 2),
                                          DatasetError))

    def validate(self):
        """One line naming the missing folder of either repository."""
        for sub in ("", MIDI_DIR, LABEL_DIR):
            require_dir(self.root / sub, f"pop909 folder {sub or ''}".strip(),
                        f"expected {MIDI_DIR}/<id>/ and {LABEL_DIR}/<id>/ (see README)")

    def tracks(self):
        """Song ids with a MIDI file and the annotator's label (others warn and are skipped)."""
        ids = sorted(p.name for p in (self.root / MIDI_DIR).iterdir()
                     if (p / f"{p.name}.mid").is_file())
        return self.keep_annotated((i, self._label_path(i)) for i in ids)

    def _label_path(self, track):
        return self.root / LABEL_DIR / track / f"human_label{self.annotator}.txt"

    def audio(self, track, sr=None, duration=None):
        """``(y, sr)``: the MIDI rendered at ``sr`` (default 22050 Hz), cached."""
        rate = int(sr or SR)
        path = None if self.cache_dir is None else (
            self.cache_dir / "pop909" / f"v{VERSION}_{track}_{rate}.npz")
        y = cached_arrays(path, lambda: dict(
            y=render_midi(self.root / MIDI_DIR / track / f"{track}.mid", rate)))["y"]
        return (y if duration is None else y[:int(duration * rate)]), rate

    def annotation(self, track):
        """Phrases of the annotator's label as segments, on the MIDI's downbeats."""
        folder = self.root / MIDI_DIR / track
        beats = np.loadtxt(folder / "beat_midi.txt", ndmin=2)
        downbeats = beats[beats[:, 2] == 1, 0]
        start = melody_start(folder / f"{track}.mid", self.root / LABEL_DIR / track / "melody.txt",
                             beats[:, 0])
        first = int(np.argmin(np.abs(downbeats - start)))
        letters, lengths = parse_label(self._label_path(track).read_text())
        needed = first + sum(lengths) + 1 - len(downbeats)
        if needed > 0:
            bar = np.median(np.diff(downbeats))
            downbeats = np.concatenate([downbeats, downbeats[-1] + bar * np.arange(1, needed + 1)])
        edges = downbeats[first + np.concatenate([[0], np.cumsum(lengths)])]
        return dict(intervals=np.column_stack([edges[:-1], edges[1:]]), labels=letters,
                    downbeats=downbeats)
