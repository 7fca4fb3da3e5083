"""`kernel`: numba's `njit` with an on-disk cache that knows shieldwall's kernels call each other.

numba keys a cached function by its own source file only, so a kernel that calls a kernel of
another module (the event loop calls the battle manager, which calls the greedy assigner) would
keep stale machine code when only the callee's file changed. Here every kernel of shieldwall is
keyed by the contents of all the modules that hold kernels: a change to any of them recompiles
them all (about 25 s), and an unchanged install loads them from the cache (about 0.3 s).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from numba import njit
from numba.core import caching

PACKAGE = Path(__file__).resolve().parent
KERNEL_MODULES = ("wta/greedy.py", "battle/manager.py", "battle/diagnostics.py", "engine/simulate.py",
                  "sensors/base.py", "sensors/radar.py", "tracking/_kernels.py")


def _kernels_stamp() -> str:
    digest = hashlib.sha256()
    for name in KERNEL_MODULES:
        digest.update((PACKAGE / name).read_bytes())
    return digest.hexdigest()


class _KernelsStamp:
    """Locator mixin: applies to shieldwall's kernel modules only, stamped by all of them."""

    def get_source_stamp(self):
        return _kernels_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).resolve() not in {PACKAGE / name for name in KERNEL_MODULES}:
            return None
        return super().from_function(py_func, py_file)


class _UserProvided(_KernelsStamp, caching.UserProvidedCacheLocator):
    pass


class _InTree(_KernelsStamp, caching.InTreeCacheLocator):
    pass


class _UserWide(_KernelsStamp, caching.UserWideCacheLocator):
    pass


# Tried in order before numba's own locators: NUMBA_CACHE_DIR if set, else __pycache__ beside the
# module, else the user's cache directory (a read-only install).
for _locator in reversed((_UserProvided, _InTree, _UserWide)):
    if _locator not in caching.CacheImpl._locator_classes:
        caching.CacheImpl._locator_classes.insert(0, _locator)


def kernel(function):
    """Compile `function` in nopython mode, cached on disk (see the module's docstring)."""
    return njit(cache=True)(function)


def inline_kernel(function):
    """A kernel that is compiled into each kernel calling it. Calls between separately compiled
    kernels pass every array of their arguments with reference counting, which for the battle
    state's few dozen arrays costs more than the small helpers themselves.

    Inlined, a function still takes a reference to each array of a tuple it is given (the plan,
    the battle state) when it starts, and drops them after its last use of the tuple; numba prunes
    the pair only when nothing in between drops another reference. So a kernel that runs many
    times binds the arrays it needs from a tuple in its first statement, and takes no slice
    (index ranges instead), allocates nothing (scratch arrays kept in the state) and returns no
    array: any of these, once per call, cost a reference count on each of the tuple's dozens of
    arrays, which was half the replication's time (docs/design/performance.md)."""
    return njit(cache=True, inline="always")(function)


def uncounted_kernel(function):
    """A kernel compiled on its own without numba's reference counting, for entry points that
    the event loop calls hundreds of times a replication with the plan and state (the battle
    manager's decision). numba counts a reference to every array of a tuple a function binds, on entry and
    exit, unless its pruning pass can remove the pair, which it cannot across these functions'
    several exits and loops: some 190 atomic operations a call, the largest part of the battle
    manager's time (docs/design/performance.md). Without counting, the function borrows the
    arrays it is given, which the caller holds throughout, so it must allocate no array and
    return none: numba refuses to compile an allocation here, and no such function returns an
    array. A kernel it calls must ask for counting itself (`counted_kernel`): numba compiles
    a callee with its caller's setting otherwise. `_nrt` is numba's own switch for this
    (numba < 1 is pinned)."""
    return njit(cache=True, _nrt=False)(function)


def counted_kernel(function):
    """A kernel, with numba's reference counting even when an `uncounted_kernel` calls it."""
    return njit(cache=True, _nrt=True)(function)
