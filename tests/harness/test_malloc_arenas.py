"""The emulators' processes keep glibc to two malloc arenas: each thread of the servers' pool otherwise takes one
of its own (up to 8 per core), and the holes each keeps made a soaked worker's memory grow for hours."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

COUNT_ARENAS = r'''
import sys, threading
from harness.stack import bound_malloc_arenas

if sys.argv[1] == "bounded":
    assert bound_malloc_arenas()
THREADS, HEAP = 8, 64 * 1024 * 1024     # glibc's arenas other than the main one are heaps aligned on 64 MB
allocated, done = threading.Barrier(THREADS + 1), threading.Event()
kept = []

def allocate():
    kept.append([bytearray(1000) for _ in range(2000)])    # above pymalloc's 512 bytes: from the thread's arena
    allocated.wait()
    done.wait()

threads = [threading.Thread(target=allocate) for _ in range(THREADS)]
for t in threads:
    t.start()
allocated.wait()
with open("/proc/self/maps") as maps:
    starts = [int(line.split("-", 1)[0], 16) for line in maps if len(line.split()) == 5]   # anonymous mappings
print(sum(1 for start in starts if start % HEAP == 0))
done.set()
'''


def arenas(how: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    ran = subprocess.run([sys.executable, "-c", COUNT_ARENAS, how], capture_output=True, text=True, env=env,
                         timeout=120)
    assert ran.returncode == 0, ran.stderr
    return int(ran.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux") or not os.path.exists("/proc/self/maps"),
                    reason="glibc's arenas, read in /proc")
def test_eight_threads_that_allocate_share_two_arenas_in_a_serving_process() -> None:
    assert arenas("as-is") >= 4                 # the default: a heap for (nearly) every thread
    assert arenas("bounded") <= 1               # the main arena and one heap


def test_the_user_s_own_arena_setting_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.stack import bound_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert bound_malloc_arenas() is False
