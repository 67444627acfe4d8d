"""The emulators' processes keep glibc to two malloc arenas: each thread of the servers' pool otherwise takes one
of its own (up to 8 per core), and the holes each keeps made a soaked worker's memory grow for hours."""

from __future__ import annotations

import os
import platform
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
# an arena's heap: 64 MB reserved at a 64 MB boundary, its used start readable and writable, the rest, when
# any, inaccessible right after it (a thread's stack may start on such a boundary too, but with its guard page)
maps = []
with open("/proc/self/maps") as lines:
    for line in lines:
        fields = line.split()
        if len(fields) == 5:        # anonymous
            start, end = (int(x, 16) for x in fields[0].split("-"))
            maps.append((start, end, fields[1]))
heaps = 0
for i, (start, end, perms) in enumerate(maps):
    if start % HEAP or not perms.startswith("rw"):
        continue
    size = end - start
    if i + 1 < len(maps) and maps[i + 1][0] == end and maps[i + 1][2].startswith("---"):
        size += maps[i + 1][1] - end
    heaps += size == HEAP
print(heaps)
done.set()
'''


def arenas(how: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    ran = subprocess.run([sys.executable, "-c", COUNT_ARENAS, how], capture_output=True, text=True, env=env,
                         timeout=120)
    assert ran.returncode == 0, ran.stderr
    return int(ran.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or not os.path.exists("/proc/self/maps"),
                    reason="glibc's malloc arenas, read in /proc (Linux with glibc: CI's Debian)")
def test_eight_threads_that_allocate_share_two_arenas_in_a_serving_process() -> None:
    assert arenas("as-is") >= 4                 # the default: a heap for (nearly) every thread
    assert arenas("bounded") <= 1               # the main arena and one heap


def test_the_user_s_own_arena_setting_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.stack import bound_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert bound_malloc_arenas() is False
