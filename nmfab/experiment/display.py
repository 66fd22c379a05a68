"""Comparison tables: settings x metrics reduced over tracks, with best and significance marks.

Marks (plain ASCII so they survive every export): ``*`` the best value of a
metric; ``~`` not significantly different from the best (paired Wilcoxon
signed-rank test over the tracks both settings share, p > 0.05).
"""
import json

import numpy as np
import pandas as pd

from ..errors import NmfabError
from .plan import format_value

BEST, TIED = "*", "~"
MISSING = "-"
ALPHA = 0.05


def _per_track(frame, setting_id, column):
    """Series track -> value of ``column`` for one setting (NaNs dropped)."""
    rows = frame[frame["setting"] == setting_id]
    if column not in rows:
        return pd.Series(dtype=float)
    return pd.Series(rows[column].to_numpy(dtype=float), index=rows["track"]).dropna()


def not_worse_than_best(best, other):
    """Whether ``other`` is not significantly different from ``best`` (paired Wilcoxon).

    Parameters
    ----------
    best, other : pandas.Series
        Track -> value; only shared tracks are compared.

    Returns
    -------
    bool
    """
    shared = best.index.intersection(other.index)
    if len(shared) == 0:
        return False
    diff = best[shared].to_numpy() - other[shared].to_numpy()
    if np.allclose(diff, 0.0):
        return True
    from scipy.stats import wilcoxon  # imported on use: scipy.stats is slow to import

    return bool(wilcoxon(best[shared].to_numpy(), other[shared].to_numpy()).pvalue > ALPHA)


def _best_index(values, metric):
    """Position of the best finite value, or None."""
    if not np.isfinite(values).any():
        return None
    return int(np.nanargmax(values) if metric.higher_is_better else np.nanargmin(values))


def _metric_columns(frame, ids, metric):
    """Formatted mean (with marks) and std columns of one metric."""
    series = [metric.scale(_per_track(frame, sid, metric.source)) for sid in ids]
    reduced = np.array([metric.reducer()(s.to_numpy()) if len(s) else np.nan for s in series])
    spread = np.array([np.std(s.to_numpy()) if len(s) else np.nan for s in series])
    best = _best_index(reduced, metric)
    marks = [""] * len(ids)
    if best is not None:
        if metric.significance:
            marks = [TIED if len(s) and not_worse_than_best(series[best], s) else ""
                     for s in series]
        marks[best] = BEST
    fmt = f"{{:.{metric.precision}f}}"
    cells = [MISSING if np.isnan(v) else fmt.format(v) + m for v, m in zip(reduced, marks)]
    stds = [MISSING if np.isnan(v) else fmt.format(v) for v in spread]
    return {metric.name: cells, f"{metric.name} std": stds}


def _split_factors(settings):
    """(varying factor names, header line of the constant factors)."""
    names = sorted({name for _, s in settings for name in s})
    values = {n: [format_value(s[n]) if n in s else MISSING for _, s in settings] for n in names}
    varying = [n for n in names if len(set(values[n])) > 1]
    constant = [f"{n}={values[n][0]}" for n in names if n not in varying and settings]
    return varying, ", ".join(constant)


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


def comparison_table(frame, settings, metrics):
    """The comparison table of the selected settings.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy results (:func:`load_results`), failed rows included or not.
    settings : list of (setting_id, setting dict)
        The rows of the table, in order.
    metrics : list of Metric

    Returns
    -------
    header : str
        The constant factors and the number of tracks.
    table : pandas.DataFrame
        Strings: one column per varying factor, then per metric value and std.
    """
    frame = frame[frame["error"] == ""] if "error" in frame else frame
    varying, header = _split_factors(settings)
    columns = {n: [format_value(s[n]) if n in s else MISSING for _, s in settings]
               for n in varying}
    ids = [sid for sid, _ in settings]
    for metric in metrics:
        columns.update(_metric_columns(frame, ids, metric))
    n_tracks = frame[frame["setting"].isin(ids)]["track"].nunique() if len(frame) else 0
    header = f"{header}{'; ' if header else ''}{n_tracks} tracks"
    return header, pd.DataFrame(columns)


def pivot_table(frame, settings, metric, factor):
    """``-d metric:factor``: one column per value of ``factor``, best of each row marked."""
    if not any(factor in s for _, s in settings):
        raise NmfabError(f"unknown factor {factor!r} in -d; valid: "
                         + ", ".join(sorted({n for _, s in settings for n in s})))
    frame = frame[frame["error"] == ""] if "error" in frame else frame
    varying, header = _split_factors(settings)
    others = [n for n in varying if n != factor]
    cells = {}
    for sid, setting in settings:
        values = metric.scale(_per_track(frame, sid, metric.source)).to_numpy()
        key = tuple(format_value(setting.get(n, MISSING)) for n in others)
        cells.setdefault(key, {})[format_value(setting[factor])] = (
            metric.reducer()(values) if len(values) else np.nan)
    levels = list(dict.fromkeys(format_value(s[factor]) for _, s in settings if factor in s))
    fmt = f"{{:.{metric.precision}f}}"
    rows = []
    for key, by_level in cells.items():
        values = np.array([by_level.get(level, np.nan) for level in levels])
        best = _best_index(values, metric)
        row = dict(zip(others, key))
        row.update({level: MISSING if np.isnan(v) else fmt.format(v) + (BEST if i == best else "")
                    for i, (level, v) in enumerate(zip(levels, values))})
        rows.append(row)
    return f"{metric.name} by {factor}; {header}", pd.DataFrame(rows)
