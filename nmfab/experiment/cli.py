"""The command line of every experiment script (doce letters): ``Experiment.main(argv)``."""
import argparse
import os
import sys
from pathlib import Path

from ..errors import NmfabError
from .export import export
from .plan import format_value
from .runner import results_lock

INTERRUPTED = 130   # the shell's status for a process ended by Ctrl-C (128 + SIGINT)


def build_parser(experiment):
    """The argparse parser of ``python experiments/<task>.py``."""
    parser = argparse.ArgumentParser(prog=f"{experiment.name}.py",
                                     description=experiment.description or None)
    add = parser.add_argument
    add("-c", "--compute", nargs="?", const=1, type=int, metavar="N",
        help="compute the selected settings on N worker processes (default 1); stored "
             "(setting, track) pairs are skipped")
    add("--dask", metavar="ADDRESS",
        help="compute (implies -c) on a Dask cluster: a scheduler address (tcp://HOST:8786) "
             "or local:N (a local cluster of N worker processes); needs the dask extra")
    add("-s", "--select", metavar="SEL",
        help="select settings: f=a+b,g=c (',' factors, '+' values, ':' union), plan/ prefix")
    add("-d", "--display", nargs="?", const="", metavar="SPEC",
        help="display the table: all metrics, N, '[0,2]' or metric:factor")
    add("-e", "--export", nargs="?", const="", metavar="NAME[.EXT]",
        help="export the table (csv, tex, md, html; png) to the export folder")
    add("-r", "--report", action="store_true",
        help="write the report (table, convergence, scores, one track's W and H) to "
             "export/<experiment>[_TAG]/index.html")
    add("--track", metavar="NAME", help="the report's example track (default: the first)")
    add("-p", "--plan", action="store_true", help="print the plans, their factors and values")
    add("-l", "--list", action="store_true", help="list the selected settings")
    add("-R", "--remove", action="store_true", help="remove the selected settings' results")
    add("-y", "--yes", action="store_true", help="do not ask before removing")
    add("-t", "--tag", help="use a tagged results database")
    add("-P", "--progress", action="store_true",
        help="show a progress bar (the default when stderr is a terminal)")
    add("-q", "--quiet", action="store_true", help="no progress bar")
    add("--force", action="store_true", help="recompute what is stored (results and caches)")
    add("--results", type=Path, help="results folder (default results/)")
    add("--cache", type=Path, help="step cache folder (default data_cache/)")
    add("--export-dir", type=Path, help="export folder (default export/)")
    add("--data", type=Path, help="dataset folder (default: $NMFAB_DATA)")
    return parser


def data_dir_option(argv=None):
    """The dataset folder of ``--data`` in ``argv`` (default sys.argv) or NMFAB_DATA, or None."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data", type=Path)
    return _data_dir(parser.parse_known_args(sys.argv[1:] if argv is None else argv)[0].data)


def _data_dir(option):
    """``--data`` when given, else the NMFAB_DATA environment variable, else None."""
    data = option or os.environ.get("NMFAB_DATA")
    return Path(data) if data else None


def datasets_present(names, argv=None):
    """Those of the real dataset ``names`` whose folder exists under the ``--data`` folder.

    Experiment scripts use it to add real datasets to their plans only when the
    user points ``--data`` (or NMFAB_DATA) at them.
    """
    root = data_dir_option(argv)
    return [name for name in names if root is not None and (root / name).is_dir()]


def _configure(experiment, args):
    """Apply the location options and the tag to ``experiment``."""
    data = _data_dir(args.data)
    if data is not None and not data.is_dir():
        source = "--data" if args.data else "NMFAB_DATA"
        raise NmfabError(f"{source} {data}: no such folder; point it at the folder holding "
                         "one sub-folder per dataset")
    experiment.results_dir = args.results or experiment.results_dir
    experiment.cache_dir = args.cache or experiment.cache_dir
    experiment.export_dir = args.export_dir or experiment.export_dir
    experiment.data_dir = data or experiment.data_dir
    experiment.tag = args.tag


def _report_skipped(skipped):
    """One line naming the settings the task says cannot run."""
    if skipped:
        shown = "; ".join(f"{sid} ({reason})" for sid, reason in skipped[:10])
        more = f"; ... {len(skipped) - 10} more" if len(skipped) > 10 else ""
        print(f"{len(skipped)} settings not applicable: {shown}{more}", file=sys.stderr)


def _print_plans(experiment):
    for plan in experiment.plans.values():
        n_settings = len(list(plan.settings(experiment.defaults)))
        print(f"plan {plan.name}: {n_settings} settings")
        for name, values in plan.values({}).items():
            print(f"  {name}: {', '.join(values)}")
    if experiment.defaults:
        print("defaults: " + ", ".join(f"{k}={format_value(v)}" for k, v in
                                       sorted(experiment.defaults.items())))


def _can_ask():
    """Whether there is a terminal to ask the user on."""
    return sys.stdin is not None and sys.stdin.isatty()


def _confirm_remove(experiment, args, selected):
    if not args.yes:
        if not _can_ask():
            raise NmfabError("-R asks before removing and there is no terminal to ask on; "
                             "add -y to remove without asking")
        where = experiment.store().root
        answer = input(f"remove the results of {len(selected)} settings from {where}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return
    print(f"removed {experiment.remove(args.select)} rows")


def _check_dask(args):
    """``--dask`` implies ``-c``; ``-c N`` beside it would be a second worker count."""
    from .dask_runner import check

    if args.compute not in (None, 1):
        raise NmfabError(f"-c {args.compute} and --dask both set the workers: drop the N of -c "
                         "(--dask local:N starts N local worker processes)")
    check(args.dask)
    args.compute = 1


def _run_actions(experiment, args):
    """Carry out the requested actions in order; returns the exit status."""
    status = 0
    if args.dask is not None:
        _check_dask(args)
    selected, skipped = experiment.settings(args.select)
    if args.plan or args.list or args.compute is not None:
        _report_skipped(skipped)
    if args.plan:
        _print_plans(experiment)
    if args.remove:
        _confirm_remove(experiment, args, selected)
    if args.compute is not None:
        if args.compute < 1:
            raise NmfabError(f"-c N needs N >= 1 worker processes, got {args.compute}")
        progress = args.progress or (not args.quiet and sys.stderr.isatty())
        with results_lock(experiment.store()):
            summary = experiment.compute(args.select, args.compute, args.force, progress,
                                         args.dask)
        print(summary.line([s.name for s in experiment.task.steps if s.cache]))
        if summary.unlisted:
            print(f"not computed: the settings of dataset {', '.join(summary.unlisted)} "
                  "(its tracks could not be listed, see above)", file=sys.stderr)
        status = 1 if summary.failed or summary.unlisted else 0
    if args.list:
        for sid, _ in selected:
            print(sid or "(all factors at their defaults)")
    if args.display is not None or args.export is not None:
        table = experiment.table(args.select, args.display or "")
        if args.display is not None:
            print(table.text())
        if args.export is not None:
            stem = f"{experiment.name}_{experiment.tag}" if experiment.tag else experiment.name
            for path in export(table, experiment.export_dir, args.export, stem):
                print(f"wrote {path}")
    if args.report:
        from .report import write_report

        print(f"wrote {write_report(experiment, args.select, args.track)}")
    return status


def run(experiment, argv=None):
    """Parse ``argv`` and run; returns the exit status.

    An NmfabError prints one line and gives 2; Ctrl-C prints one line (how many
    rows were stored) and gives 130.
    """
    parser = build_parser(experiment)
    args = parser.parse_args(argv)
    if not any([args.plan, args.list, args.remove, args.compute is not None,
                args.dask is not None,
                args.display is not None, args.export is not None, args.report]):
        parser.print_usage()
        args.plan = True
    try:
        _configure(experiment, args)
        return _run_actions(experiment, args)
    except NmfabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        stored = getattr(interrupt, "stored", None)
        done = f"{stored} rows stored, " if stored is not None else ""
        print(f"interrupted: {done}rerun -c to resume", file=sys.stderr)
        return INTERRUPTED
