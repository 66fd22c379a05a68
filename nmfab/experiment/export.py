"""Export a comparison table to csv, tex, md, html (pandas writers) or png (matplotlib)."""
from pathlib import Path

from ..errors import NmfabError

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


def write_table(header, table, path):
    """Write ``table`` (with its header line) to ``path``; the suffix picks the format."""
    kind = path.suffix.lstrip(".")
    if kind == "csv":
        path.write_text(f"# {header}\n" + table.to_csv(index=False))
    elif kind == "tex":
        path.write_text(table.to_latex(index=False, escape=True, caption=_tex_escape(header)))
    elif kind == "md":
        path.write_text(f"{header}\n\n" + table.to_markdown(index=False) + "\n")
    elif kind == "html":
        path.write_text(f"<p>{header}</p>\n" + table.to_html(index=False))
    elif kind == "png":
        _png(header, table, path)
    else:
        raise NmfabError(f"unknown export format {kind!r}; valid: " + ", ".join(FORMATS))


def export(header, table, export_dir, spec, default_name):
    """``-e [NAME][.EXT]``: write the table; no extension writes csv, tex, md and html.

    Returns
    -------
    list of Path
        The files written.
    """
    export_dir = Path(export_dir)
    export_dir.mkdir(parents=True, exist_ok=True)
    name = Path(spec or default_name)
    if name.suffix.lstrip(".") in FORMATS:
        paths = [export_dir / name.name]
    else:
        paths = [export_dir / f"{name.name}.{ext}" for ext in DEFAULT_FORMATS]
    for path in paths:
        write_table(header, table, path)
    return paths
