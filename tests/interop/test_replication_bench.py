"""A small run of bench/replication.py: the table, the JSON, an unavailable pair."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path
from unittest import SkipTest

from twisted.trial.unittest import TestCase

from bench import replication
from tests.support.processes import redis_server_path


class ReplicationBenchTests(TestCase):
    def test_small_run(self) -> None:
        if shutil.which("redis-benchmark") is None or redis_server_path() is None:
            raise SkipTest("redis-server and redis-benchmark are needed")
        output_dir = Path(tempfile.mkdtemp(prefix="replication-bench-"))
        self.addCleanup(shutil.rmtree, output_dir, True)
        printed, progress = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(progress):
            status = replication.main(
                [
                    "--keys",
                    "3000",
                    "--requests",
                    "20000",
                    "--pairs",
                    "redis-replkv,replkv-replkv",
                    "--output-dir",
                    str(output_dir),
                ]  # fmt: skip
            )
        self.assertEqual(status, 0, printed.getvalue() + progress.getvalue())
        [path] = output_dir.glob("replication-*.json")
        record = json.loads(path.read_text())
        pair = record["pairs"]["redis-replkv"]
        self.assertEqual(pair["status"], "ok")
        self.assertGreater(pair["sync"]["seconds"], 0)
        self.assertTrue(pair["lag"]["digests_match"])
        self.assertGreater(pair["lag"]["rps"], 0)
        self.assertIn(record["pairs"]["replkv-replkv"]["status"], ("ok", "unavailable"))
        self.assertIn("redis -> replkv", printed.getvalue())
