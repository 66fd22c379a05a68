"""The engine test experiment as a script: ``python tests/engine_experiment.py ROOT -c``."""
import sys
from pathlib import Path

from engine_task import make_experiment

if __name__ == "__main__":
    raise SystemExit(make_experiment(Path(sys.argv[1]), delay=[0.0, 0.05]).main(sys.argv[2:]))
