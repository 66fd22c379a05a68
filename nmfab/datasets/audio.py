"""Reading audio files for the dataset loaders."""
import warnings
from pathlib import Path

import numpy as np

from ..errors import DatasetError

AUDIO_EXTENSIONS = (".wav", ".flac")


def load_audio(path, sr=None, mono=True, duration=None):
    """Read an audio file as float32 samples in [-1, 1].

    Parameters
    ----------
    path : str or Path
        A wav, flac (or any format libsndfile reads) file.
    sr : int or None
        Target sampling rate; ``None`` keeps the file's rate.
    mono : bool
        Average the channels.
    duration : float or None
        Keep only the first ``duration`` seconds (the literature's excerpts).

    Returns
    -------
    y : np.ndarray
        Samples, shape (n,) when mono.
    sr : int
        The sampling rate of ``y``.

    Raises
    ------
    DatasetError
        When the file is missing, cannot be decoded (one line with the decoder's reason;
        librosa's and audioread's warnings are silenced) or holds no samples.
    """
    import librosa

    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"audio file not found: {path} "
                           "(check the dataset folder given by --data)")
    if path.stat().st_size == 0:
        raise DatasetError(f"cannot read audio file {path}: the file is empty (0 bytes)")
    try:
        with warnings.catch_warnings():      # "PySoundFile failed", audioread deprecation
            warnings.simplefilter("ignore")
            y, sr_out = librosa.load(path, sr=sr, mono=mono, duration=duration)
    except Exception as exc:  # soundfile/audioread raise many types
        raise DatasetError(f"cannot read audio file {path}: {_reason(path, exc)}") from exc
    if np.size(y) == 0:
        raise DatasetError(f"audio file {path} is empty (0 samples): nothing to analyse; "
                           "remove or replace it")
    return np.asarray(y, dtype=np.float32), int(sr_out)


def _reason(path, exc):
    """Why ``path`` could not be decoded, in words: ``exc``'s message, else libsndfile's
    (audioread's last-resort error has none), else the exception's type."""
    reason = str(exc).strip()
    if not reason:
        import soundfile

        try:
            soundfile.info(str(path))
        except Exception as sf_exc:  # soundfile raises its own and RuntimeError
            reason = str(sf_exc).replace(f"Error opening {str(path)!r}: ", "").strip()
    return reason or f"{type(exc).__name__} (no decoder could read it)"


def find_audio(folder, stem):
    """Return the path of ``folder/stem`` with the first audio extension that exists.

    Raises
    ------
    DatasetError
        When no ``stem.wav`` / ``stem.flac`` exists in ``folder``.
    """
    folder = Path(folder)
    for ext in AUDIO_EXTENSIONS:
        candidate = folder / f"{stem}{ext}"
        if candidate.is_file():
            return candidate
    raise DatasetError(f"no audio file {stem}.wav or {stem}.flac in {folder}")


def require_dir(path, what, hint=""):
    """Return ``path`` as a Path, or raise one clear line (ending with ``hint``) if not a folder."""
    path = Path(path)
    if not path.is_dir():
        raise DatasetError(f"{what} not found: {path} does not exist or is not a folder"
                           + (f"; {hint}" if hint else ""))
    return path
