"""Bad annotations are one line naming the file and the line, never silently accepted."""
import pytest

from nmfab.datasets.drum_annotations import read_labelled_onsets
from nmfab.datasets.maps import load_notes
from nmfab.errors import DatasetError

HEADER = "OnsetTime\tOffsetTime\tMidiPitch\n"


@pytest.mark.parametrize("bad_line, message", [
    ("1.0\t0.5\t60", r":3: offset 0.5 s is before onset 1 s"),
    ("nan\t1.5\t60", r":3: note times must be finite"),
    ("1.0\t1.5\t60.5", r":3: MIDI pitch must be an integer in 0..127, got 60.5"),
    ("-1.0\t1.5\t60", r":3: note times must be finite and >= 0"),
])
def test_maps_note_errors_name_file_and_line(tmp_path, bad_line, message):
    path = tmp_path / "MAPS_x.txt"
    path.write_text(HEADER + "0.1\t0.4\t64\n" + bad_line + "\n")
    with pytest.raises(DatasetError, match=str(path).replace(".", r"\.") + message):
        load_notes(path)


def test_valid_maps_notes_pass(tmp_path):
    path = tmp_path / "MAPS_y.txt"
    path.write_text(HEADER + "0.1\t0.4\t64\n0.5\t0.5\t21\n")
    assert load_notes(path).tolist() == [[0.1, 0.4, 64.0], [0.5, 0.5, 21.0]]


@pytest.mark.parametrize("bad", ["nan\tKD", "inf\tSD", "-0.5\tHH"])
def test_drum_onset_errors_name_file_and_line(tmp_path, bad):
    path = tmp_path / "x_class.txt"
    path.write_text("0.10 \tKD \n" + bad + "\n")
    with pytest.raises(DatasetError, match=r"x_class\.txt:2: onset time must be finite"):
        read_labelled_onsets(path)
