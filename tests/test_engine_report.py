"""The report (-r): index.html and its PNGs from the results database and the step cache."""
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from engine_task import make_experiment

pytest.importorskip("matplotlib")
import matplotlib.image  # noqa: E402


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """A tiny computed run of the engine test experiment (shared: the report never writes to
    the results or the cache)."""
    root = tmp_path_factory.mktemp("report")
    exp = make_experiment(root)
    assert exp.main(["-c", "-q", "-s", "euclidean/threshold=0"]) == 0
    return root


def _report(root, capsys, *args):
    exp = make_experiment(root)
    status = exp.main(["-r", "-s", "euclidean/threshold=0", *args])
    captured = capsys.readouterr()
    return status, captured, root / "export" / "enginetest"


def _images(folder):
    html = (folder / "index.html").read_text()
    return html, re.findall(r'<img src="([^"]+)"', html)


def _check_not_blank(path, min_bytes=5000):
    assert path.stat().st_size > min_bytes, path
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels[..., :3].var() > 1e-3, f"{path.name} is blank"


def test_report_references_every_png_and_none_is_blank(computed, capsys):
    status, captured, folder = _report(computed, capsys)
    assert status == 0 and f"wrote {folder / 'index.html'}" in captured.out
    html, sources = _images(folder)
    assert sorted(sources) == sorted(p.name for p in folder.glob("*.png"))
    assert {"fig-convergence.png", "fig-scores.png", "fig-track-0-factors.png",
            "fig-track-1-factors.png"} <= set(sources)
    for name in sources:
        _check_not_blank(folder / name)
    assert "Comparison table" in html and "* best of its column" in html
    assert "<td>hals</td>" in html and "Track t0" in html


def test_report_selection_track_and_missing_cache(computed, capsys, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(computed, root)
    status, _, folder = _report(root, capsys, "-s", "algorithm=mu,rank=2", "--track", "t2")
    html, sources = _images(folder)
    assert status == 0 and "Track t2" in html and "<td>hals</td>" not in html
    assert "fig-track-1-factors.png" not in sources   # one algorithm selected: one track figure
    for path in (root / "data_cache" / "factorize").glob("*.h5"):
        path.unlink()
    status, _, folder = _report(root, capsys)
    html, sources = _images(folder)
    assert status == 0 and "no cached factorize output" in html
    assert sorted(sources) == sorted(p.name for p in folder.glob("*.png"))   # old PNGs gone
    assert "fig-convergence.png" in sources       # the results database still has the losses
    status, captured, _ = _report(root, capsys, "--track", "nope")
    assert status == 2 and "--track nope: no stored result" in captured.err
    assert "t0, t1, t2" in captured.err


def test_report_without_matplotlib_says_how_to_install(computed, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, captured, _ = _report(computed, capsys)
    assert status == 2 and 'pip install -e ".[plot]"' in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="no chromium (or chromium-browser) on PATH: "
                    "the headless-browser check of the report needs it (.ci/run installs it)")
def test_report_renders_in_headless_chromium(computed, capsys, tmp_path):
    status, _, folder = _report(computed, capsys)
    assert status == 0
    shot = tmp_path / "shot.png"
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
               "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
               f"--screenshot={shot}", "--window-size=1200,2000",
               (folder / "index.html").resolve().as_uri()]
    subprocess.run(command, check=True, timeout=60, capture_output=True)
    _check_not_blank(shot)
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    # the figures drew: well beyond a page of text, a large share of non-white pixels
    assert (pixels.min(axis=2) < 0.9).mean() > 0.05


def test_task_views_draw_from_cached_outputs(tmp_path):
    from nmfab.experiment.track_views import TASK_VIEWS

    rng = np.random.default_rng(0)
    feature = dict(V=rng.random((65, 200)), sr=np.int64(11025), hop_length=np.int64(256),
                   n_fft=np.int64(128), ref_notes=np.array([[0.2, 1.0, 60.0], [1.5, 3.0, 64.0]]))
    post = dict(activations=rng.random((5, 200)), pitches=np.arange(60, 65))
    path = TASK_VIEWS["transcription"]({}, dict(feature=feature, postprocess=post), "t",
                                       tmp_path / "transcription.png")
    _check_not_blank(path)
    onsets = {f"onsets_{name}": np.array([0.5, 1.5, 2.5]) for name in ("KD", "SD", "HH")}
    H = np.zeros((5, 200))
    H[:3, [21, 64, 107]] = 1.0
    drums = dict(feature=dict(V=rng.random((65, 200)), sr=np.int64(11025),
                              hop_length=np.int64(256), **onsets), factorize=dict(H=H))
    path = TASK_VIEWS["drums"]({"picker": "median"}, drums, "t", tmp_path / "drums.png")
    _check_not_blank(path)
    assert TASK_VIEWS["drums"]({}, dict(feature=None, factorize=None), "t", tmp_path / "x.png") \
        is None
    refs = rng.standard_normal((2, 8000, 1))
    separation = dict(feature=dict(references=refs, sources="vocals,bass", sr=np.int64(8000)),
                      separate=dict(estimates=0.8 * refs))
    _check_not_blank(TASK_VIEWS["separation"]({}, separation, "t", tmp_path / "separation.png"))
