"""Figures of the experiment report (``-r``): convergence curves and scores against factors.

matplotlib is an optional extra (``pip install -e ".[plot]"``), imported lazily with the
Agg backend; without it :func:`pyplot` raises one NmfabError line saying how to install it.
Every function draws from the tidy results frame (:func:`nmfab.experiment.load_results`)
and writes one PNG; nothing is recomputed.
"""
import warnings

import numpy as np

from ..errors import NmfabError
from .plan import format_value

INSTALL = 'the report needs matplotlib: pip install -e ".[plot]"'
DPI = 80


def pyplot():
    """matplotlib.pyplot with the Agg backend (no display needed)."""
    try:
        import matplotlib
    except ImportError:
        raise NmfabError(INSTALL) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path):
    """Write ``fig`` to ``path`` (PNG) and close it; returns ``path``."""
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    pyplot().close(fig)
    return path


def label_of(row, names):
    """``"mu, rank=3"``: the algorithm bare, other factors as name=value."""
    parts = [format_value(row[n]) if n == "algorithm" else f"{n}={format_value(row[n])}"
             for n in names if n in row]
    return ", ".join(parts) or "all"


def _quartiles(stacked):
    """25th, 50th and 75th percentiles over the rows of ``stacked`` (NaNs ignored)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanpercentile(stacked, [25, 50, 75], axis=0)


def _on_grid(curves, grid):
    """Curves (x, y) interpolated on ``grid``: NaN before their start, last value after."""
    return np.array([np.interp(grid, x, y, left=np.nan, right=y[-1]) for x, y in curves])


def _curves(rows, x_column):
    """The (x, loss) pairs of ``rows`` that have at least two recorded points, x sorted."""
    found = []
    for x, y in zip(rows[x_column], rows["loss"]):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if len(x) >= 2 and len(x) == len(y) and np.all(np.isfinite(x)):
            order = np.argsort(x, kind="stable")
            found.append((x[order], y[order]))
    return found


def _draw_band(ax, curves, label, color, log_x):
    """Median over tracks with the interquartile band, on a grid spanning every curve."""
    low = min(c[0][0] for c in curves)
    high = max(c[0][-1] for c in curves)
    positive = min((x[x > 0].min() for x, _ in curves if (x > 0).any()), default=None)
    if log_x and positive is not None and high > positive:
        grid = np.geomspace(positive, high, 200)
    else:
        grid = np.linspace(low, high, 200)
    q25, q50, q75 = _quartiles(_on_grid(curves, grid))
    ax.plot(grid, q50, color=color, label=f"{label} ({len(curves)})")
    ax.fill_between(grid, q25, q75, color=color, alpha=0.25, linewidth=0)


def convergence_figure(frame, line_factors, path):
    """Loss against time and against iteration: one row of two panels per (dataset, beta).

    Parameters
    ----------
    frame : pandas.DataFrame
        Successful rows with the ``loss``, ``loss_time`` and ``loss_iter`` columns
        (``load_results(..., histories=True)``), one per (factorization, track).
    line_factors : list of str
        The factors that make a line (e.g. ``["algorithm", "rank"]``).
    path : Path
        The PNG written.

    Returns
    -------
    Path or None
        None when no row has a recorded loss history.
    """
    has_history = frame["loss"].map(lambda loss: len(loss) >= 2) if "loss" in frame else None
    if has_history is None or not has_history.any():
        return None
    frame = frame[has_history]
    panel_factors = [n for n in ("dataset", "beta") if n in frame]
    panels = list(frame.groupby(panel_factors, sort=False)) if panel_factors else [((), frame)]
    plt = pyplot()
    fig, axes = plt.subplots(len(panels), 2, figsize=(11, 3.4 * len(panels)), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (key, rows), (ax_time, ax_iter) in zip(panels, axes):
        key = key if isinstance(key, tuple) else (key,)
        title = ", ".join(f"{n}={format_value(v)}" for n, v in zip(panel_factors, key))
        lines = rows.groupby(line_factors, sort=False) if line_factors else [((), rows)]
        for i, (_, line) in enumerate(lines):
            label = label_of(line.iloc[0], line_factors)
            color = colors[i % len(colors)]
            for ax, column, log_x in ((ax_time, "loss_time", True), (ax_iter, "loss_iter", False)):
                curves = _curves(line, column)
                if curves:
                    _draw_band(ax, curves, label, color, log_x)
        for ax, xlabel in ((ax_time, "time (s, loss evaluation excluded)"),
                           (ax_iter, "iteration")):
            ax.set_xlabel(xlabel)
            ax.set_ylabel("loss (median over tracks, IQR band)")
            ax.set_title(title or "loss", fontsize=10)
            _log_scales(ax, log_x=ax is ax_time)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8, title="line (tracks)", title_fontsize=8)
    fig.tight_layout()
    return save(fig, path)


def _log_scales(ax, log_x):
    """Log y when every plotted value is positive and they span a decade; log x likewise."""
    ys = np.concatenate([line.get_ydata() for line in ax.get_lines()] or [np.array([])])
    ys = ys[np.isfinite(ys)]
    if len(ys) and ys.min() > 0 and ys.max() / ys.min() > 10:
        ax.set_yscale("log")
    xs = np.concatenate([line.get_xdata() for line in ax.get_lines()] or [np.array([])])
    if log_x and len(xs) and xs.min() > 0 and xs.max() / xs.min() > 100:
        ax.set_xscale("log")


def _levels(frame, factor):
    """The values of ``factor`` in order of appearance, sorted when all numeric."""
    values = list(dict.fromkeys(frame[factor].tolist()))
    try:
        return sorted(values, key=float)
    except (TypeError, ValueError):
        return values


def _per_track(rows, metric):
    """The metric's values per track, averaged over the pooled settings of ``rows``."""
    if metric.source not in rows:
        return np.array([])
    values = rows[["track", metric.source]].dropna()
    means = values.groupby("track")[metric.source].mean()
    return np.asarray(metric.scale(means), dtype=float)


def scores_figure(frame, metrics, factors, line_factors, path):
    """Each metric against each varying factor: a line per ``line_factors`` value, error bars
    the standard deviation over tracks (ddof=1); other factors are pooled (said in the title).

    Returns the PNG path, or None when nothing can be drawn.
    """
    metrics = [m for m in metrics if m.source in frame and frame[m.source].notna().any()]
    if not metrics or not factors:
        return None
    panels = [(metric, factor) for metric in metrics for factor in factors]
    ncols = len(factors) if len(factors) > 1 else min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    plt = pyplot()
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, figsize=(4.2 * ncols, 3.0 * nrows))
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (metric, factor) in zip(axes.flat, panels):
        lines = [n for n in line_factors if n != factor]
        levels = _levels(frame, factor)
        groups = frame.groupby(lines, sort=False) if lines else [((), frame)]
        for i, (_, line) in enumerate(groups):
            centre, spread = [], []
            for level in levels:
                values = _per_track(line[line[factor] == level], metric)
                values = values[np.isfinite(values)]
                centre.append(metric.reducer()(values) if len(values) else np.nan)
                spread.append(np.std(values, ddof=1) if len(values) > 1 else 0.0)
            offset = (i - (len(groups) - 1) / 2) * 0.04   # so that error bars do not hide
            ax.errorbar(np.arange(len(levels)) + offset, centre, yerr=spread, marker="o",
                        capsize=3, label=label_of(line.iloc[0], lines))
        pooled = [n for n in factors if n != factor and n not in lines]
        ax.set_xticks(range(len(levels)), [format_value(v) for v in levels])
        ax.set_xlabel(factor)
        ax.set_ylabel(metric.name + (" (%)" if metric.percent else ""))
        ax.set_title(f"{metric.name} by {factor}" + (f" (pooled: {', '.join(pooled)})"
                                                     if pooled else ""), fontsize=9)
        if lines:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, path)
