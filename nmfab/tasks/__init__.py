"""Audio tasks: one file per task, each exposing a :class:`nmfab.experiment.Task`."""
