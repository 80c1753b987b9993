"""Re-execute notebooks in place and store their outputs (what nbval compares against).

    python notebooks/refresh.py                      # every notebook of this folder
    python notebooks/refresh.py 01_quickstart.ipynb  # some

Runs with the current environment's kernel, from this folder, without widget state or
timing metadata, so that a refresh only changes outputs.  Review the diff before committing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent


def refresh(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", allow_errors=True, record_timing=False,
        store_widget_state=False, resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)
    print(f"refreshed {path.name}")


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.name for p in HERE.glob("*.ipynb"))
    for name in names:
        refresh(HERE / Path(name).name)
