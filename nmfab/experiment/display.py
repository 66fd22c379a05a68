"""Comparison tables: settings x metrics reduced over tracks, with counts, marks and a legend.

Every row shows how many tracks it averages (``4/6`` when only 4 of the 6
tracks of its setting's dataset are stored). Marks (plain ASCII so they survive
every export): ``*`` the best value of a metric among the rows of the same
dataset (for losses, also of the same objective); ``~`` not significantly
different from that best (paired Wilcoxon signed-rank test over the tracks both
rows share, p > 0.05). With 5 shared tracks or fewer the test can never reach
p < 0.05, so no ``~`` is given and the legend says "too few tracks to test".
"""
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import NmfabError, check_choice
from .metrics import MIN_PAIRED, not_worse_than_best, std_over_tracks
from .plan import format_value

BEST, TIED = "*", "~"
MISSING = "-"
NO_RESULTS = ("no results for this selection (run -c first; -t TAG and --results DIR choose "
              "the results database)")

__all__ = ["Table", "comparison_table", "pivot_table", "select_metrics", "expected_tracks",
           "not_worse_than_best"]


@dataclass
class Table:
    """A table as shown (strings) and as data (numbers), with its header and legend.

    Unpacks as ``header, shown`` (``header, table = experiment.table()``).

    Attributes
    ----------
    header : str
        The factors constant over the rows.
    shown : pandas.DataFrame
        Strings, as ``-d`` prints them (marks appended to the values).
    data : pandas.DataFrame
        Numbers: every factor (constant ones included), track counts, per metric
        the value, its std and its mark in separate columns (what csv exports).
    legend : list of str
        Lines explaining the marks, the counts and the std.
    """

    header: str
    shown: pd.DataFrame
    data: pd.DataFrame
    legend: list = field(default_factory=list)

    def __iter__(self):
        return iter((self.header, self.shown))

    def text(self):
        """Header, table and legend as printed by ``-d``."""
        lines = [self.header] if self.header else []
        return "\n".join(lines + [self.shown.to_string(index=False)] + self.legend)


def expected_tracks(task, settings, context):
    """Number of tracks each setting's dataset lists (None where it cannot be listed now).

    Parameters
    ----------
    task : nmfab.experiment.Task
    settings : list of (setting_id, setting dict)
    context : nmfab.experiment.Context

    Returns
    -------
    dict
        setting_id -> int or None.
    """
    counts = {}
    for sid, setting in settings:
        try:
            counts[sid] = len(list(task.list_tracks(setting, context)))
        except NmfabError:
            counts[sid] = None
    return counts


def _successful(frame):
    """The rows without an error."""
    return frame[frame["error"] == ""] if "error" in frame else frame


def _per_track(frame, setting_id, column):
    """Series track -> value of ``column`` for one setting (NaNs dropped)."""
    rows = frame[frame["setting"] == setting_id]
    if column not in rows:
        return pd.Series(dtype=float)
    return pd.Series(rows[column].to_numpy(dtype=float), index=rows["track"]).dropna()


def _count_cell(count, expected):
    """``"6"``, or ``"4/6"`` for a row over fewer tracks than its dataset has."""
    return f"{count}/{expected}" if expected is not None and count < expected else str(count)


def _groups(settings, factors):
    """Row positions grouped by the values of ``factors`` (the rows that may be compared)."""
    groups = {}
    for i, (_, setting) in enumerate(settings):
        groups.setdefault(tuple(format_value(setting.get(f, "")) for f in factors), []).append(i)
    return groups.values()


def _best_index(values, metric, positions):
    """Position (among ``positions``) of the best finite value, or None."""
    sub = values[positions]
    if not np.isfinite(sub).any():
        return None
    return positions[int(np.nanargmax(sub) if metric.higher_is_better else np.nanargmin(sub))]


def _marks(series, values, settings, metric):
    """Marks of one metric, whether a test was impossible and whether one ran."""
    marks, untestable, tested = [""] * len(settings), False, False
    for positions in _groups(settings, metric.compared_within):
        best = _best_index(values, metric, positions)
        if best is None:
            continue
        for i in positions if metric.significance else ():
            if i != best and len(series[i]):
                tied = not_worse_than_best(series[best], series[i])
                untestable |= tied is None
                tested |= tied is not None
                marks[i] = TIED if tied else ""
        marks[best] = BEST
    return marks, untestable, tested


def _metric_columns(frame, settings, metric):
    """Data and shown columns of one metric, whether a test was impossible, whether one ran."""
    series = [metric.scale(_per_track(frame, sid, metric.source)) for sid, _ in settings]
    values = np.array([metric.reducer()(s.to_numpy()) if len(s) else np.nan for s in series])
    spread = np.array([std_over_tracks(s.to_numpy()) for s in series])
    marks, untestable, tested = _marks(series, values, settings, metric)
    fmt = f"{{:.{metric.precision}f}}"
    data = {metric.name: values, f"{metric.name}_std": spread, f"{metric.name}_mark": marks}
    shown = {metric.name: [MISSING if np.isnan(v) else fmt.format(v) + m
                           for v, m in zip(values, marks)],
             f"{metric.name} std": [MISSING if np.isnan(v) else fmt.format(v) for v in spread]}
    return data, shown, untestable, tested


def _split_factors(settings):
    """(varying factor names, all factor names, header line of the constant factors)."""
    names = sorted({name for _, s in settings for name in s})
    values = {n: [format_value(s[n]) if n in s else MISSING for _, s in settings] for n in names}
    varying = [n for n in names if len(set(values[n])) > 1]
    constant = [f"{n}={values[n][0]}" for n in names if n not in varying and settings]
    return varying, names, ", ".join(constant)


def _legend(metrics, significance_used, untestable, partial):
    """The legend lines printed under a comparison table."""
    within = "rows of the same dataset"
    losses = [m.name for m in metrics if m.is_loss]
    if losses:
        within += f" (for {', '.join(losses)}: also of the same beta and l1_H)"
    lines = [f"{BEST} best of its column among {within}"]
    if significance_used:
        lines.append(f"{TIED} not significantly different from the best (paired Wilcoxon "
                     "signed-rank test over the tracks both rows share, p > 0.05)")
    if untestable:
        lines.append(f"too few tracks to test: {MIN_PAIRED - 1} or fewer shared tracks can never "
                     f"give p < 0.05, so such rows get no {TIED} mark")
    lines.append("std: standard deviation over tracks (ddof=1)")
    return lines + _partial_legend(partial)


def _partial_legend(partial):
    """The legend line of ``a/b`` track counts, when a row is partial."""
    return (["tracks a/b: only a of the b tracks of the row's dataset are stored "
             "(rerun -c to complete)"] if partial else [])


def select_metrics(metrics, spec):
    """The metrics named by a ``-d`` spec: "" all, "N", "[0,2]" or a metric name."""
    if not spec:
        return list(metrics)
    try:
        chosen = json.loads(spec)
    except json.JSONDecodeError:
        chosen = spec
    chosen = chosen if isinstance(chosen, list) else [chosen]
    by_name = {m.name: m for m in metrics}
    picked = []
    for item in chosen:
        if isinstance(item, int) and 0 <= item < len(metrics):
            picked.append(metrics[item])
        elif item in by_name:
            picked.append(by_name[item])
        else:
            raise NmfabError(f"unknown metric {item!r} in -d; valid: indices 0.."
                             f"{len(metrics) - 1} or names " + ", ".join(by_name))
    return picked


def _counts(frame, settings, expected):
    """Stored tracks per setting and the expected number (None when unknown)."""
    if frame.empty:
        raise NmfabError(NO_RESULTS)
    stored = frame.groupby("setting")["track"].nunique()
    expected = expected or {}
    return ([int(stored.get(sid, 0)) for sid, _ in settings],
            [expected.get(sid) for sid, _ in settings])


def comparison_table(frame, settings, metrics, expected=None):
    """The comparison table of the selected settings.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy results (:func:`load_results`), failed rows included or not.
    settings : list of (setting_id, setting dict)
        The rows of the table, in order.
    metrics : list of Metric
    expected : dict, optional
        setting_id -> number of tracks its dataset lists (:func:`expected_tracks`);
        rows over fewer tracks are shown ``stored/expected``.

    Returns
    -------
    Table

    Raises
    ------
    NmfabError
        When no successful row is stored for the selection.
    """
    frame = _successful(frame)
    counts, wanted = _counts(frame, settings, expected)
    varying, names, header = _split_factors(settings)
    data = {n: [settings[i][1].get(n, np.nan) for i in range(len(settings))] for n in names}
    shown = {n: [format_value(s[n]) if n in s else MISSING for _, s in settings]
             for n in varying}
    data.update(n_tracks=counts, n_expected=[np.nan if w is None else w for w in wanted])
    shown["tracks"] = [_count_cell(c, w) for c, w in zip(counts, wanted)]
    untestable = tested = False
    for metric in metrics:
        metric_data, metric_shown, metric_untestable, metric_tested = _metric_columns(
            frame, settings, metric)
        data.update(metric_data)
        shown.update(metric_shown)
        untestable, tested = untestable | metric_untestable, tested | metric_tested
    partial = any(w is not None and c < w for c, w in zip(counts, wanted))
    legend = _legend(metrics, tested, untestable, partial)
    return Table(header, pd.DataFrame(shown), pd.DataFrame(data), legend)


def pivot_table(frame, settings, metric, factor, expected=None):
    """``-d metric:factor``: one column per value of ``factor``, best of each row marked.

    The best is only marked when ``factor`` is not one rows must share to be
    compared (e.g. no best across datasets). Returns a :class:`Table`.
    """
    check_choice("factor", factor, sorted({n for _, s in settings for n in s}))
    frame = _successful(frame)
    counts, wanted = _counts(frame, settings, expected)
    varying, _, header = _split_factors(settings)
    others = [n for n in varying if n != factor]
    cells, tracks = {}, {}
    for (sid, setting), count, want in zip(settings, counts, wanted):
        values = metric.scale(_per_track(frame, sid, metric.source)).to_numpy()
        key = tuple(format_value(setting.get(n, MISSING)) for n in others)
        cells.setdefault(key, {})[format_value(setting[factor])] = (
            metric.reducer()(values) if len(values) else np.nan)
        tracks.setdefault(key, []).append((count, want))
    levels = list(dict.fromkeys(format_value(s[factor]) for _, s in settings if factor in s))
    fmt = f"{{:.{metric.precision}f}}"
    marked = factor not in metric.compared_within
    shown, data = [], []
    for key, by_level in cells.items():
        values = np.array([by_level.get(level, np.nan) for level in levels])
        best = _best_index(values, metric, list(range(len(levels)))) if marked else None
        count = min(c for c, _ in tracks[key])
        want = max((w for _, w in tracks[key] if w is not None), default=None)
        row = dict(zip(others, key), tracks=_count_cell(count, want))
        row.update({level: MISSING if np.isnan(v) else fmt.format(v) + (BEST if i == best else "")
                    for i, (level, v) in enumerate(zip(levels, values))})
        shown.append(row)
        data.append(dict(zip(others, key), n_tracks=count, **dict(zip(levels, values)),
                         best="" if best is None else levels[best]))
    partial = any(w is not None and c < w for c, w in zip(counts, wanted))
    legend = ([f"{BEST} best of its row"] if marked else []) + _partial_legend(partial)
    return Table(f"{metric.name} by {factor}; {header}", pd.DataFrame(shown),
                 pd.DataFrame(data), legend)
