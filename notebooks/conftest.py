"""Run the notebooks of this folder as tests with nbval, in the normal ``python -m pytest`` run.

Every code cell is executed in a kernel of the current environment and its outputs are
compared with the ones saved in the notebook, after the substitutions of
``nbval_sanitize.cfg`` (uuids, kernel file names, install paths).  Cells marked
``# NBVAL_RAISES_EXCEPTION`` must raise.  ``--nbval`` / ``--nbval-lax`` on the command line
work as usual; the sanitize file and the current environment's kernel are the defaults.

To refresh a notebook's saved outputs after a deliberate change::

    jupyter nbconvert --to notebook --execute --inplace --allow-errors notebooks/NAME.ipynb
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
SANITIZE = HERE / "nbval_sanitize.cfg"


def _configure(config) -> None:
    option = config.option
    if not getattr(option, "nbval_sanitize_with", None):
        option.nbval_sanitize_with = str(SANITIZE)
    if not getattr(option, "nbval_kernel_name", None):
        option.nbval_current_env = True


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".ipynb" or ".ipynb_checkpoints" in file_path.parts:
        return None
    config = parent.config
    if not hasattr(config.option, "nbval"):
        return None  # nbval is not installed: pip install -e '.[test]'
    _configure(config)
    if config.option.nbval or config.option.nbval_lax:
        return None  # nbval collects it itself
    from nbval.plugin import IPyNbFile

    return IPyNbFile.from_parent(parent, path=file_path)
