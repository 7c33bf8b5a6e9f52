"""rq, a widely used job queue, as its users run it: enqueue jobs, run `rq worker
--burst` in its own process, read each job's result. rq keeps a job's results in a
stream (XADD with MAXLEN, read back with XREVRANGE). The same scenario also runs
against a real redis-server, which shows it asks for what Redis does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from tests.support import rq_jobs
from tests.support.processes import launch_redis_server, launch_replkv
from tests.support.shared_server import SharedServerScenarios

REPO = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT = 60.0  # seconds the burst worker may take for all the jobs


class RqScenarios(SharedServerScenarios):
    # Provided by the TestCase this is mixed into.
    assertEqual: Callable[..., None]  # noqa: N815
    assertIn: Callable[..., None]  # noqa: N815
    assertGreater: Callable[..., None]  # noqa: N815

    def run_burst_worker(self) -> subprocess.CompletedProcess[str]:
        """`rq worker --burst` in its own process, as a user runs it; it imports the job
        functions from this checkout."""
        env = dict(os.environ, PYTHONPATH=str(REPO))
        command = [sys.executable, "-c", "from rq.cli import main; main()"]
        done = subprocess.run(
            [*command, "worker", "--burst", "--url", self.url, "default"],
            env=env,
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        return done

    def test_jobs_run_and_results_are_read(self) -> None:
        from rq import Queue
        from rq.job import JobStatus
        from rq.results import Result

        queue = Queue("default", connection=self.redis)
        jobs = [queue.enqueue(rq_jobs.add, i, 2 * i) for i in range(5)]
        failing = queue.enqueue(rq_jobs.fail, "broken on purpose")
        self.assertEqual(queue.count, 6)

        self.run_burst_worker()

        self.assertEqual(queue.count, 0)
        for i, job in enumerate(jobs):
            self.assertEqual(job.get_status(refresh=True), JobStatus.FINISHED)
            self.assertEqual(job.return_value(), 3 * i)
            latest = job.latest_result()
            assert latest is not None
            self.assertEqual(latest.type, Result.Type.SUCCESSFUL)
            self.assertEqual(len(job.results()), 1)
        self.assertEqual(failing.get_status(refresh=True), JobStatus.FAILED)
        latest = failing.latest_result()
        assert latest is not None
        self.assertEqual(latest.type, Result.Type.FAILED)
        self.assertIn("broken on purpose", latest.exc_string or "")
        # The results went through a stream.
        stats = self.redis.info("commandstats")
        self.assertGreater(int(stats.get("cmdstat_xadd", {}).get("calls", 0)), 0)

    def test_requeued_job_keeps_every_result(self) -> None:
        from rq import Queue
        from rq.results import Result

        queue = Queue("default", connection=self.redis)
        job = queue.enqueue(rq_jobs.fail, "first")
        self.run_burst_worker()
        job.requeue()
        self.run_burst_worker()
        results = job.results()
        self.assertEqual([result.type for result in results], [Result.Type.FAILED] * 2)
        # Newest first, as XREVRANGE gives them.
        self.assertGreater(results[0].id, results[1].id)


class RqOnReplkv(RqScenarios, SynchronousTestCase):
    launch = staticmethod(launch_replkv)


class RqOnRedis(RqScenarios, SynchronousTestCase):
    launch = staticmethod(launch_redis_server)
