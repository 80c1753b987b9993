"""Whether the loop a component is paused in can ever see the platform's stop.

When ``sim.stop()`` finds a component paused, the platform's stop sets the stop event and
lets it go on: a loop that checks ``self.running`` (or the stop event) ends at its next
check.  A ``while True:`` loop that reads neither and has no ``break``/``return`` comes back
to its pause forever; kit stops such a loop at the pause instead of running more trips
whose calls the real platform would never have seen.
"""

from __future__ import annotations

import ast
import linecache
import sys
from functools import lru_cache
from typing import Any

# names whose reading means a loop may look at the stop request
_STOP_NAMES = {"running", "_stop_event", "stop_event", "is_set", "_running", "stopped", "_stopped", "should_stop"}


@lru_cache(maxsize=256)
def _tree(filename: str, size: int) -> ast.AST | None:
    source = "".join(linecache.getlines(filename))
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _enclosing_loops(tree: ast.AST, line: int) -> list[ast.While | ast.For | ast.AsyncFor]:
    """The loops whose body holds ``line``, innermost first, inside the innermost function holding it."""
    function: ast.AST | None = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.end_lineno or 0):
            if function is None or node.lineno >= function.lineno:  # type: ignore[attr-defined]
                function = node
    if function is None:
        return []
    loops = [
        node for node in ast.walk(function)
        if isinstance(node, (ast.While, ast.For, ast.AsyncFor))
        and node.body and node.body[0].lineno <= line <= (node.end_lineno or 0)
    ]
    return sorted(loops, key=lambda node: node.lineno, reverse=True)


def _reads_stop(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Attribute) and n.attr in _STOP_NAMES) or (isinstance(n, ast.Name) and n.id in _STOP_NAMES)
        for n in ast.walk(node)
    )


def _leaves(loop: ast.While) -> bool:
    """The loop has a ``break``/``return``/``raise`` of its own (not one of a nested loop or function)."""
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Break, ast.Return, ast.Raise)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.While, ast.For, ast.AsyncFor)):
            stack.extend(node.orelse)  # a nested loop's break is its own
            stack.extend(n for n in node.body if isinstance(n, (ast.Return, ast.Raise)))
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def endless_loop(frames: list[tuple[str, int]]) -> tuple[str, int] | None:
    """The ``(file, line)`` of a loop that cannot see a stop, around the pause; None when it can.

    ``frames`` are the component's own frames at the pause, innermost first.  Walking out from
    the pause: a ``for`` loop ends by itself and a ``while True:`` with a ``break``/``return``
    may end; the first ``while`` whose test or body reads the stop state (``self.running``,
    the stop event) settles it (None); a ``while <constant>:`` reading neither, with no way
    out, is the answer.
    """
    for filename, line in frames:
        tree = _tree(filename, len(linecache.getlines(filename)))
        if tree is None:
            return None
        for loop in _enclosing_loops(tree, line):
            if not isinstance(loop, ast.While):
                continue
            if _reads_stop(loop):
                return None
            if isinstance(loop.test, ast.Constant) and loop.test.value:
                if _leaves(loop):
                    continue
                return filename, loop.lineno
            return None  # a loop on some other condition: it may end
    return None


def user_frames(ident: int, is_user: Any) -> list[tuple[str, int]]:
    """The frames of thread ``ident`` that ``is_user(filename)`` accepts, innermost first."""
    frame = sys._current_frames().get(ident)
    frames = []
    while frame is not None:
        if is_user(frame.f_code.co_filename):
            frames.append((frame.f_code.co_filename, frame.f_lineno))
        frame = frame.f_back
    return frames
