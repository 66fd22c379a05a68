"""Export a comparison table: csv (plain data), tex, md, html (as shown) or png (matplotlib)."""
from pathlib import Path

from ..errors import NmfabError, check_choice

FORMATS = ("csv", "tex", "md", "html", "png")
DEFAULT_FORMATS = ("csv", "tex", "md", "html")


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}


def _tex_escape(text):
    """Escape LaTeX special characters in ``text`` (the caption; cells use escape=True)."""
    return "".join(_TEX.get(ch, ch) for ch in text)


def _png(header, table, path):
    try:
        import matplotlib
    except ImportError:
        raise NmfabError("png export needs matplotlib: pip install -e \".[plot]\" "
                         "(or export csv, tex, md or html)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.6 * max(len(table.columns), 1), 0.4 * (len(table) + 2)))
    ax.axis("off")
    ax.set_title(header, fontsize=8)
    ax.table(cellText=table.to_numpy(), colLabels=list(table.columns), loc="center")
    fig.savefig(path, bbox_inches="tight", dpi=150)
    plt.close(fig)


def write_table(table, path):
    """Write a :class:`~nmfab.experiment.display.Table` to ``path``; the suffix picks the format.

    csv is plain data (``table.data``: one header line, numeric metric columns,
    marks and track counts in their own columns, every factor a column), readable
    by ``pandas.read_csv``; tex, md, html and png are the table as shown, with
    its header and legend.
    """
    kind = path.suffix.lstrip(".")
    header, shown, notes = table.header, table.shown, "; ".join(table.legend)
    if kind == "csv":
        table.data.to_csv(path, index=False)
    elif kind == "tex":
        caption = _tex_escape(". ".join(filter(None, [header, notes])))
        path.write_text(shown.to_latex(index=False, escape=True, caption=caption))
    elif kind == "md":
        path.write_text(f"{header}\n\n" + shown.to_markdown(index=False) + "\n\n"
                        + "".join(f"{line}  \n" for line in table.legend))
    elif kind == "html":
        path.write_text(f"<p>{header}</p>\n" + shown.to_html(index=False)
                        + "".join(f"\n<p>{line}</p>" for line in table.legend) + "\n")
    elif kind == "png":
        _png(header, shown, path)
    else:
        check_choice("export format", kind, FORMATS)


def export_paths(export_dir, spec, default_name):
    """The files ``-e [PATH][.EXT]`` writes.

    A bare name goes into ``export_dir``; a name with a folder part
    (``-e path/to/file.csv``) is written there. No known extension means csv,
    tex, md and html.
    """
    name = Path(spec or default_name)
    folder = Path(export_dir) if name.parent == Path(".") else name.parent
    if name.suffix.lstrip(".") in FORMATS:
        return [folder / name.name]
    return [folder / f"{name.name}.{ext}" for ext in DEFAULT_FORMATS]


def export(table, export_dir, spec, default_name):
    """``-e [NAME][.EXT]``: write the table; no extension writes csv, tex, md and html.

    Parameters
    ----------
    table : nmfab.experiment.display.Table
    export_dir : str or Path
        Where a bare name is written.
    spec : str
        The ``-e`` argument ("" for the default name).
    default_name : str
        The experiment name, with ``_<tag>`` for a tagged database.

    Returns
    -------
    list of Path
        The files written.
    """
    paths = export_paths(export_dir, spec, default_name)
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    for path in paths:
        write_table(table, path)
    return paths
