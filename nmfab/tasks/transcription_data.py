"""The datasets of the transcription task: the values of its ``dataset`` factor.

Each entry of :data:`DATASETS` maps a dataset name to a :class:`PianoDataset`
with two functions: ``tracks(setting, context)`` and
``load(setting, track, context, sr, duration) -> (y, sr, notes)``. Adding a
dataset is one loader module plus one entry here.
"""
from dataclasses import dataclass
from typing import Callable

from ..datasets import maestro, maps, synth_piano
from ..errors import DatasetError


@dataclass(frozen=True)
class PianoDataset:
    """How the transcription task lists and loads the tracks of one dataset."""

    tracks: Callable
    load: Callable



def _maps_selection(setting):
    """The MAPS instruments of a setting's ``maps_instruments`` ("all" or names joined by '-')."""
    chosen = str(setting.get("maps_instruments", "all"))
    return None if chosen == "all" else chosen.split("-")


def _synth_load(setting, track, context, sr, duration):
    y, sr_out, notes = synth_piano.load_track(track, cache_dir=context.cache_dir, sr=sr)
    return y, sr_out, maps.crop_notes(notes, duration) if duration else notes


DATASETS = {
    "synth_piano": PianoDataset(
        tracks=lambda setting, context: synth_piano.track_ids(),
        load=_synth_load),
    "maps": PianoDataset(
        tracks=lambda setting, context: maps.list_tracks(context.dataset_root("maps"),
                                                         _maps_selection(setting)),
        load=lambda setting, track, context, sr, duration: maps.load_track(
            context.dataset_root("maps"), track, sr=sr, duration=duration)),
    "maestro": PianoDataset(
        tracks=lambda setting, context: maestro.list_tracks(context.dataset_root("maestro")),
        load=lambda setting, track, context, sr, duration: maestro.load_track(
            context.dataset_root("maestro"), track, sr=sr, duration=duration)),
}


def _dataset(setting):
    name = setting.get("dataset", "synth_piano")
    if name not in DATASETS:
        raise DatasetError(f"unknown transcription dataset {name!r}; choose one of "
                           f"{', '.join(DATASETS)}")
    return DATASETS[name]


def list_tracks(setting, context):
    """Track identifiers of the setting's dataset (the Task's ``list_tracks``)."""
    return list(_dataset(setting).tracks(setting, context))


def load_track(setting, track, context, sr=None, duration=None):
    """``(y, sr, notes)`` of one track of the setting's dataset."""
    return _dataset(setting).load(setting, track, context, sr, duration)
