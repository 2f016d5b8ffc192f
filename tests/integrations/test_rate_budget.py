"""The Healthie request budget holds for the whole deployment: processes sharing one Redis
cache together release at most HEALTHIE_RATE_LIMIT_PER_SECOND requests in any second."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

PROCESSES = 3
CALLS_EACH = 5
BUDGET = 3

# One process of the deployment: a Healthie client sending CALLS_EACH reads as fast as it may,
# printing the moment each request was released to the network.
PROCESS = textwrap.dedent(
    f"""
    import json, time
    import django
    django.setup()
    from integrations.healthie.client import HealthieClient
    from integrations.ratelimit import SharedRate
    released, wait = [], SharedRate.wait
    def recorded(self):
        wait(self)
        released.append(time.time())
    SharedRate.wait = recorded
    with HealthieClient() as client:
        for _ in range({CALLS_EACH}):
            client.organization_members()
    print(json.dumps(released))
    """
)


def busiest_second(moments: list[float]) -> int:
    """The most moments in any one-second window."""
    moments = sorted(moments)
    return max(sum(1 for m in moments if start <= m < start + 1) for start in moments)


def test_processes_sharing_the_cache_stay_within_the_budget_together(sandbox):
    if "REDIS_URL" not in os.environ:
        pytest.fail("run through `python -m tests.services` (it starts Redis)")
    env = {
        **os.environ,
        "CACHE_URL": f"{os.environ['REDIS_URL']}/3",
        "HEALTHIE_API_URL": f"{sandbox.url}/healthie/graphql",
        "HEALTHIE_RATE_LIMIT_PER_SECOND": str(BUDGET),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * PROCESSES
    released = [moment for out in outputs for moment in json.loads(out.splitlines()[-1])]

    total = PROCESSES * CALLS_EACH
    assert len(released) == total
    assert len(sandbox.calls(vendor="healthie", operation="organizationMembers")) == total
    # Evenly spaced across processes; one more when a sleeping process woke up late.
    assert busiest_second(released) <= BUDGET + 1
    assert max(released) - min(released) >= total / BUDGET - 2  # and not faster overall
