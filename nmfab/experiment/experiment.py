"""The :class:`Experiment`: plans, defaults and metrics of a task, and what to do with them."""
import sys
from pathlib import Path

from .. import algorithms
from ..atomic import check_file_name
from ..errors import DatasetError, NmfabError
from . import runner
from .factors import algorithm_params, check_factor_names, task_defaults, unused_parameter
from .display import comparison_table, expected_tracks, pivot_table, select_metrics
from .metrics import Metric
from .plan import check_defaults, make_plan, matches, parse_selector, setting_id
from .results import RESERVED, DiskFull, ResultsStore, rows_to_frame
from .task import Context



class Experiment:
    """A task with its plans, factor defaults and declared metrics.

    Parameters
    ----------
    name : str
        Names the results database ``results/<name>.db``.
    task : nmfab.experiment.Task
        Defined at module level (worker processes import it).
    description : str
    results_dir, cache_dir, export_dir : str or Path
        Default locations (relative to the current directory).
    data_dir : str or Path, optional
        Folder with one sub-folder per dataset (``--data`` / NMFAB_DATA).
    """

    def __init__(self, name, task, description="", results_dir="results",
                 cache_dir="data_cache", export_dir="export", data_dir=None):
        self.name, self.task, self.description = check_file_name("experiment name", name), \
            task, description
        self.results_dir, self.cache_dir = Path(results_dir), Path(cache_dir)
        self.export_dir = Path(export_dir)
        self.data_dir = Path(data_dir) if data_dir else None
        self.tag = None
        self.defaults = check_defaults(task_defaults(task))
        self.plans, self.metrics = {}, []

    # ------------------------------------------------------------ declaring
    def set_defaults(self, **factors):
        """Factor defaults (over the task's): a factor at its default is left out of
        setting identifiers. A factor that nothing uses is an error."""
        checked = check_defaults(factors)
        check_factor_names(self.task, checked, list(algorithms.ALGORITHMS), "the defaults")
        self.defaults.update(checked)

    def add_plan(self, name, **factors):
        """Add a plan: a cartesian grid over the given factors (a scalar is a one-value list).

        Every factor must be declared by a step of the task, or be a parameter
        declared by one of the plan's algorithms (then it is forwarded to it
        and enters the factorize cache key); anything else is an error that
        lists the valid factors.
        """
        clash = RESERVED.intersection(factors)
        if clash:
            raise NmfabError(f"factor name {sorted(clash)[0]!r} is reserved; rename it")
        plan = make_plan(name, factors)
        names = plan.factors.get("algorithm", [self.defaults.get("algorithm")])
        check_factor_names(self.task, plan.factors, [n for n in names if n is not None],
                           f"plan {name}")
        self.plans[name] = plan

    def add_metric(self, name, output=None, reduce="mean", percent=False,
                   higher_is_better=True, precision=2, significance=False):
        """Declare a metric column of the comparison table (see :class:`Metric`)."""
        if name in RESERVED:
            raise NmfabError(f"metric name {name!r} is reserved for a results column; rename it")
        self.metrics.append(Metric(name, output, reduce, percent, higher_is_better,
                                   precision, significance))

    # ------------------------------------------------------------ settings
    def context(self):
        """The :class:`Context` handed to the task's steps."""
        return Context(data_dir=self.data_dir, cache_dir=self.cache_dir)

    def store(self):
        """The results database ``results/<name>[_<tag>].db``."""
        if self.tag:
            check_file_name("tag (-t)", self.tag)
        stem = f"{self.name}_{self.tag}" if self.tag else self.name
        return ResultsStore(self.results_dir / stem)

    def settings(self, selector=None):
        """The selected settings, split into applicable and not applicable.

        Returns
        -------
        selected : list of (setting_id, setting)
            In plan order, each identifier once (never cross-plan combinations).
        skipped : list of (setting_id, reason)
            Settings ``Task.applicable`` rejects.
        """
        found = self._matching(selector)
        return ([(sid, setting) for sid, setting, reason in found if not reason],
                [(sid, reason) for sid, _, reason in found if reason])

    def _matching(self, selector):
        """(setting_id, setting, reason not applicable or None) of the selected settings."""
        if not self.plans:
            raise NmfabError(f"experiment {self.name} has no plan; call add_plan first")
        alternatives = parse_selector(selector, self.plans, self.defaults)
        found, seen = [], set()
        for plan in self.plans.values():
            for setting in plan.settings(self.defaults):
                sid = setting_id(setting, self.defaults)
                if sid in seen or not matches(plan.name, setting, alternatives):
                    continue
                seen.add(sid)
                self._check_complete(plan.name, setting)
                reason = unused_parameter(setting, self.defaults)
                if not reason and self.task.applicable:
                    reason = self.task.applicable(setting)
                found.append((sid, setting, reason))
        if selector and not found:
            raise NmfabError(f"selector {selector!r} matches no setting of any plan")
        return found

    def _check_complete(self, plan_name, setting):
        """Every factor a step declares has a value (from the plan or the defaults)."""
        for step in self.task.steps:
            missing = [f for f in step.factors if f not in setting]
            if step.algorithm:
                missing += [f for f in ("algorithm", "beta") if f not in setting]
            if missing:
                raise NmfabError(f"plan {plan_name} gives no value to factor {missing[0]!r} "
                                 f"(read by step {step.name!r}); add it to the plan or to "
                                 "set_defaults")
            if step.algorithm and setting["algorithm"] in algorithms.ALGORITHMS:
                algorithm_params(setting)          # a bad parameter value: one line, now

    def work_items(self, selected):
        """(setting_id, setting, track) for every selected setting whose tracks can be listed.

        A dataset that cannot list its tracks (a :class:`DatasetError`: missing folder,
        no index, ...) leaves its settings out; the others still run.

        Parameters
        ----------
        selected : list of (setting_id, setting)

        Returns
        -------
        items : list of (setting_id, setting, track)
        tracks : dict
            setting_id -> list of tracks, for the settings listed.
        broken : dict
            dataset name -> (its error message, number of settings left out).

        Raises
        ------
        DatasetError
            When no selected setting can be listed (every distinct message, joined).
        """
        context = self.context()
        tracks, broken = {}, {}
        for sid, setting in selected:
            try:
                tracks[sid] = list(self.task.list_tracks(setting, context))
            except DatasetError as error:
                dataset = setting.get("dataset", "?")
                message, count = broken.get(dataset, (str(error), 0))
                broken[dataset] = (message, count + 1)
        if broken and not tracks:
            raise DatasetError("; ".join(dict.fromkeys(m for m, _ in broken.values())))
        items = [(sid, setting, track) for sid, setting in selected if sid in tracks
                 for track in tracks[sid]]
        return items, tracks, broken

    # ------------------------------------------------------------ actions
    def compute(self, selector=None, n_jobs=1, force=False, progress=False, dask=None):
        """Compute the selected settings (resume: stored pairs are skipped unless ``force``).

        ``dask``: a Dask scheduler address or ``local:N`` to run the work items on
        (instead of ``n_jobs`` local processes).

        A dataset that cannot list its tracks is reported in one line on stderr and its
        settings are left out (the others run); their names are ``summary.unlisted``.

        Returns
        -------
        runner.RunSummary
        """
        selected, _ = self.settings(selector)
        items, tracks, broken = self.work_items(selected)
        for dataset, (message, count) in broken.items():
            print(f"skipped {count} settings of dataset {dataset}: {message}", file=sys.stderr)
        store = self.store()
        summary = runner.compute(self.task, items, store, self.context(), n_jobs, force,
                                 progress, dask)
        summary.unlisted = list(broken)
        if self.task.finalize:
            try:
                _, failures = runner.finalize(
                    self.task, [(sid, s, tracks[sid]) for sid, s in selected if sid in tracks],
                    store, self.context())
            except DiskFull:
                raise DiskFull(f"disk full at {store.path} while storing the cross-track "
                               f"metrics: {summary.done + summary.failed} rows stored by this "
                               "run (all stored rows are intact); free space and rerun -c") \
                    from None
            summary.failed += failures
        return summary

    def remove(self, selector=None):
        """Delete the stored rows of the selected settings; returns how many were removed."""
        store = self.store()
        return sum(store.remove(setting) for _, setting, _ in self._matching(selector))

    def results(self, selector=None):
        """Tidy DataFrame of the stored rows of the selected settings."""
        store = self.store()
        selected = self.settings(selector)[0]
        return rows_to_frame([row for _, setting in selected
                              for row in store.read_setting(setting)])

    def declared_metrics(self, frame):
        """The declared metrics, or one default Metric per metric column found in ``frame``."""
        if self.metrics:
            return self.metrics
        factors = {n for plan in self.plans.values() for n in plan.factors} | set(self.defaults)
        names = [c for c in frame.columns if c not in RESERVED | factors
                 and not c.startswith(("time_", "hit_"))]
        return [Metric(n) for n in names]

    def table(self, selector=None, spec=""):
        """The comparison table ``-d SPEC`` shows (a :class:`display.Table`)."""
        selected, _ = self.settings(selector)
        frame = self.results(selector)
        metric_spec, _, factor = (spec or "").partition(":")
        metrics = select_metrics(self.declared_metrics(frame), metric_spec)
        expected = expected_tracks(self.task, selected, self.context())
        if factor:
            return pivot_table(frame, selected, metrics[0], factor, expected)
        return comparison_table(frame, selected, metrics, expected)

    def main(self, argv=None):
        """Run the command line (``-c``, ``-d``, ``-s``, ...); returns the exit status."""
        from .cli import run

        return run(self, argv)

