"""The experiment report (``-r``): ``export/<experiment>[_<tag>]/index.html`` and its PNGs.

Drawn from the results database and the step cache only (nothing is recomputed):

* the comparison table as ``-d`` shows it (marks, track counts, legend);
* convergence: loss against time and iteration (median over tracks, interquartile
  band), one row of panels per (dataset, beta), one line per algorithm (and per other
  factor the factorization depends on);
* every metric against every varying factor, one line per algorithm, error bars the
  standard deviation over tracks;
* for one track (``--track``, default the first): V, W and H images of each algorithm's
  first selected setting, and the task's own view where it has one
  (:data:`nmfab.experiment.track_views.TASK_VIEWS`). A missing cache entry is one line.
"""
import html

from ..errors import NmfabError
from . import figures, track_views
from .factors import visible_factors
from .plan import format_value
from .results import rows_to_frame

PREFIX = "fig-"          # the report's PNGs; older ones are removed when it is rewritten
MAX_TRACK_SETTINGS = 6   # per-track figures for at most this many settings
DRAW_ERRORS = (KeyError, ValueError, TypeError, IndexError)
STYLE = """body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #bbb;padding:2px 6px}
img{max-width:100%;display:block;margin:.5em 0}.note{color:#a40}p.legend{margin:.1em 0}"""


def report_dir(experiment):
    """``<export dir>/<experiment>[_<tag>]``."""
    stem = f"{experiment.name}_{experiment.tag}" if experiment.tag else experiment.name
    return experiment.export_dir / stem


def _varying(settings):
    """Factor names whose value differs between the settings, in sorted order."""
    names = sorted({n for _, s in settings for n in s})
    return [n for n in names if len({format_value(s.get(n)) for _, s in settings}) > 1]


def _factorize_factors(task, settings):
    """Factors read by the steps up to the (first) algorithm step: what the loss depends on."""
    names = set()
    for step in task.steps:
        for _, setting in settings:
            names.update(visible_factors(step, setting))
        if step.algorithm:
            return names
    return set()


def _algorithm_first(names):
    return sorted(names, key=lambda n: (n != "algorithm", n))


class Page:
    """The HTML body being built and the PNGs written beside it."""

    def __init__(self, folder):
        self.folder, self.parts, self.images = folder, [], []

    def heading(self, text):
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def text(self, text, cls=""):
        attr = f' class="{cls}"' if cls else ""
        self.parts.append(f"<p{attr}>{html.escape(text)}</p>")

    def figure(self, name, draw, alt, missing):
        """Call ``draw(path)``; embed the PNG, or the line ``missing`` when it draws nothing."""
        path = self.folder / f"{PREFIX}{name}.png"
        try:
            written = draw(path)
        except DRAW_ERRORS as error:
            written, missing = None, f"{missing or alt}: not drawn ({type(error).__name__}: {error})"
        if written is None:
            if missing:
                self.text(missing, "note")
            return
        self.images.append(path.name)
        self.parts.append(f'<img src="{path.name}" alt="{html.escape(alt)}">')

    def html(self, title):
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
                f"<h1>{html.escape(title)}</h1>\n" + "\n".join(self.parts) + "\n</body></html>\n")


def _table_section(page, table):
    page.heading("Comparison table")
    if table.header:
        page.text(table.header)
    page.parts.append(table.shown.to_html(index=False, border=0))
    for line in table.legend:
        page.text(line, "legend")


def _convergence_section(page, task, selected, frame, varying):
    page.heading("Convergence")
    relevant = _factorize_factors(task, selected)
    lines = _algorithm_first(n for n in varying if n in relevant and n not in ("dataset", "beta"))
    if "algorithm" in frame and "algorithm" not in lines:
        lines.insert(0, "algorithm")
    keys = [n for n in ["dataset", "beta"] + lines if n in frame] + ["track"]
    unique = frame.drop_duplicates(subset=keys)   # settings that share the factorization
    page.figure("convergence",
                lambda path: figures.convergence_figure(unique, lines, path),
                "loss against time and iteration",
                "no loss history recorded for this selection (no algorithm step, or eval_every=0)")


def _scores_section(page, experiment, frame, varying):
    page.heading("Scores against factors")
    metrics = experiment.declared_metrics(frame)
    lines = [n for n in ("algorithm", "dataset") if n in varying]
    factors = [n for n in varying if n != "algorithm"] or lines[:1]
    page.figure("scores", lambda path: figures.scores_figure(frame, metrics, factors, lines, path),
                "metrics against factors", "no varying factor or no metric to plot")


def _track_settings(selected, frame, track):
    """The first selected setting of each algorithm with a stored row for ``track``."""
    stored = set(frame.loc[frame["track"] == track, "setting"])
    chosen, seen = [], set()
    for sid, setting in selected:
        algorithm = setting.get("algorithm")
        if sid in stored and algorithm not in seen:
            seen.add(algorithm)
            chosen.append((sid, setting))
    return chosen[:MAX_TRACK_SETTINGS]


def choose_track(frame, track):
    """``track`` when it has stored results, else the first track; an unknown name is an error."""
    tracks = sorted(set(frame["track"]))
    if track is None:
        return tracks[0]
    if track not in tracks:
        shown = ", ".join(tracks[:10]) + (f", ... {len(tracks) - 10} more" if len(tracks) > 10
                                          else "")
        raise NmfabError(f"--track {track}: no stored result for this selection; tracks: {shown}")
    return track


def _track_section(page, experiment, selected, frame, track):
    task = experiment.task
    page.heading(f"Track {track}")
    algorithm_step = next((s.name for s in task.steps if s.algorithm), None)
    view = track_views.TASK_VIEWS.get(task.name)
    for i, (sid, setting) in enumerate(_track_settings(selected, frame, track)):
        label = sid or "(defaults)"
        page.parts.append(f"<h3>{html.escape(label)}</h3>")
        outputs = track_views.cached_outputs(task, setting, track, experiment.cache_dir)
        needed = [task.steps[0].name] + ([algorithm_step] if algorithm_step else [])
        missing = [name for name in needed if outputs.get(name) is None]
        if missing:
            page.text(f"{label}, track {track}: no cached {' and '.join(missing)} output in "
                      f"{experiment.cache_dir} (run -c to compute it)", "note")
            continue
        if algorithm_step is None:
            page.text(f"task {task.name} has no factorize step: no W and H to show", "note")
        else:
            feature, factors = outputs[task.steps[0].name], outputs[algorithm_step]
            page.figure(f"track-{i}-factors",
                        lambda path: track_views.factors_figure(feature, factors,
                                                                f"{label}, track {track}", path),
                        f"V, W and H of {label} on {track}", None)
        if view is not None:
            page.figure(f"track-{i}-{task.name}",
                        lambda path: view(setting, outputs, f"{label}, track {track}", path),
                        f"{task.name} view of {label} on {track}",
                        f"{label}: the {task.name} view needs cached outputs that are missing")


def write_report(experiment, selector=None, track=None):
    """Write the report of the selected settings; returns the path of ``index.html``.

    Raises
    ------
    NmfabError
        matplotlib missing (one line saying how to install it), nothing stored for the
        selection, or ``track`` without stored results.
    """
    figures.pyplot()
    selected, _ = experiment.settings(selector)
    table = experiment.table(selector)
    store = experiment.store()
    frame = rows_to_frame([row for _, s in selected for row in store.read_setting(s)],
                          histories=True)
    frame = frame[frame["error"] == ""].reset_index(drop=True)
    folder = report_dir(experiment)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{PREFIX}*.png"):
        old.unlink()
    page, varying = Page(folder), _varying(selected)
    _table_section(page, table)
    _convergence_section(page, experiment.task, selected, frame, varying)
    _scores_section(page, experiment, frame, varying)
    _track_section(page, experiment, selected, frame, choose_track(frame, track))
    path = folder / "index.html"
    title = f"{experiment.name}" + (f" ({experiment.tag})" if experiment.tag else "")
    path.write_text(page.html(f"nmfab report: {title}"))
    return path
