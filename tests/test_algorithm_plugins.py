"""Algorithms from outside the package: a file that registers, and an installed entry point."""
import subprocess
import sys
import textwrap

import nmfab
from nmfab.algorithms import code_digest

PLUGIN = textwrap.dedent('''
    """A projected-gradient step for beta=2, registered through the public API."""
    import nmfab

    def make_pg(V, W, H, *, beta, fixed_W=None, fixed_H=None, l1_H=0.0, step=1.0):
        def update(W, H):
            G = W.T @ W
            H = (H - step * (G @ H - W.T @ V) / (G ** 2).sum() ** 0.5).clip(min=0)
            return W, H
        return update

    nmfab.register_algorithm(nmfab.AlgorithmSpec(
        "ep_pg", make_pg, betas=(2.0,), supports_fixed=False,
        params=dict(step=nmfab.Param(1.0, nmfab.Interval(float, 0, 2, closed="right")))))
''')


def _run_python(code, path):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(path), "PATH": ""}, timeout=120)


def test_entry_point_plugin_is_registered_on_import(tmp_path):
    (tmp_path / "ep_plugin.py").write_text(PLUGIN)
    info = tmp_path / "ep_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[nmfab.algorithms]\nep_pg = ep_plugin\n")
    done = _run_python("import nmfab; print(sorted(nmfab.ALGORITHMS))", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "'ep_pg'" in done.stdout


def test_broken_entry_point_warns_and_nmfab_still_imports(tmp_path):
    info = tmp_path / "bad_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: bad-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[nmfab.algorithms]\nbad = no_such_module_xyz\n")
    done = _run_python("import nmfab; print('mu' in nmfab.ALGORITHMS)", tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr
    assert "plugin bad (no_such_module_xyz) failed to load" in done.stderr


def test_code_digest_follows_the_algorithm_file(tmp_path, monkeypatch):
    path = tmp_path / "digest_plugin.py"
    path.write_text(PLUGIN.replace("ep_pg", "digest_pg"))
    monkeypatch.syspath_prepend(str(tmp_path))
    import digest_plugin  # noqa: F401
    try:
        before = code_digest("digest_pg")
        assert before == code_digest("digest_pg")
        assert before != code_digest("mu")
        path.write_text(path.read_text() + "\n# changed\n")
        assert code_digest("digest_pg") != before
        assert code_digest("mu") == code_digest("mu")
    finally:
        nmfab.ALGORITHMS.pop("digest_pg")
        sys.modules.pop("digest_plugin")


def test_code_digest_follows_the_helpers_an_algorithm_imports(tmp_path, monkeypatch):
    (tmp_path / "digest_helpers.py").write_text(
        "def project(H):\n    return H.clip(min=0)\n")
    path = tmp_path / "digest_plugin2.py"
    path.write_text("from digest_helpers import project\n" + PLUGIN.replace("ep_pg", "digest_pg2"))
    monkeypatch.syspath_prepend(str(tmp_path))
    import digest_plugin2  # noqa: F401
    try:
        before, before_mu = code_digest("digest_pg2"), code_digest("mu")
        helpers = tmp_path / "digest_helpers.py"
        helpers.write_text(helpers.read_text() + "# changed\n")
        assert code_digest("digest_pg2") != before
        assert code_digest("mu") == before_mu
    finally:
        nmfab.ALGORITHMS.pop("digest_pg2")
        sys.modules.pop("digest_plugin2")
        sys.modules.pop("digest_helpers")


def test_code_digest_of_an_algorithm_built_on_mu_follows_mu(monkeypatch):
    from nmfab import algorithms
    from nmfab.algorithms import mu as mu_module
    before = {name: code_digest(name) for name in ("smooth", "hals")}
    real = algorithms._source_bytes
    monkeypatch.setattr(algorithms, "_source_bytes",
                        lambda obj: real(obj) + (b"# edited" if obj is mu_module else b""))
    assert code_digest("smooth") != before["smooth"]       # smooth reuses mu's update_W
    assert code_digest("hals") == before["hals"]           # hals does not
