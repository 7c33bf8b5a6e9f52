"""Temporary directories for one test, removed when it ends (trial's mktemp() leaves its
directories in the current directory, which under pytest is the checkout)."""

from __future__ import annotations

import shutil
import tempfile

from tests.support.processes import CleanupRegistrar


def temporary_directory(testcase: CleanupRegistrar) -> str:
    """A new empty directory, removed with everything in it on the test's cleanup."""
    directory = tempfile.mkdtemp(prefix="replkv-test-")
    testcase.addCleanup(lambda: shutil.rmtree(directory, ignore_errors=True))
    return directory
