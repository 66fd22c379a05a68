"""Unreadable, empty and too short audio files: one clear line each, no decoder warnings."""
import warnings

import numpy as np
import pytest
import soundfile as sf

import nmfab
from nmfab.datasets.audio import load_audio
from nmfab.errors import DatasetError, NmfabError
from nmfab.tasks import transcription

SR = 8000


def _load_error(path, capfd):
    """load_audio's error message, checking that nothing else was warned or printed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")                     # any warning fails the test
        with pytest.raises(DatasetError) as caught:
            load_audio(path, sr=SR)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_corrupt_file_one_line_with_a_reason(tmp_path, capfd):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(np.random.default_rng(0).bytes(3000))
    message = _load_error(path, capfd)
    prefix = f"cannot read audio file {path}: "
    assert message.startswith(prefix) and message[len(prefix):].strip()


def test_empty_file_one_line_with_a_reason(tmp_path, capfd):
    path = tmp_path / "empty.flac"
    path.touch()
    assert _load_error(path, capfd) == f"cannot read audio file {path}: the file is empty (0 bytes)"


def test_zero_sample_file_says_empty(tmp_path, capfd):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), SR)
    message = _load_error(path, capfd)
    assert message.startswith(f"audio file {path} is empty (0 samples)")


@pytest.mark.filterwarnings("ignore:n_fft=.*is too large")
def test_clip_shorter_than_one_frame_says_so(tmp_path):
    path = tmp_path / "click.wav"
    sf.write(path, np.full(100, 0.1, dtype=np.float32), SR)
    y, sr = load_audio(path, sr=SR)
    V, _ = transcription.spectrogram(y, sr, {})
    assert V.shape[1] == 1
    with pytest.raises(NmfabError, match=r"got 32; V has a single frame .*shorter than one frame"):
        nmfab.factorize(V, 32)
