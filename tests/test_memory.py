import subprocess
import sys

import pytest

from dotsparse.memory import return_free_memory

# Frees 40 page-sized buffers, and 400 request-body-sized ones, between small objects that live on;
# prints the RSS growth in MB before and after the trim.
CHURN = """
from dotsparse.memory import return_free_memory
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
keep, bodies = [], []
first = bytearray(11 << 20)
del first
base = rss()
for i in range(40):
    page = bytearray(11 << 20)
    keep.append(bytes(64 * 1024))
    del page
for i in range(400):
    bodies.append(bytes(200 * 1024))
    keep.append(bytes(2048))
del bodies
before = rss() - base
assert return_free_memory()
print(before, rss() - base)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_trimming_returns_what_freed_pages_and_bodies_leave_behind():
    before, after = map(int, subprocess.run([sys.executable, "-c", CHURN], capture_output=True, text=True,
                                            check=True).stdout.split())
    assert before > 50  # without the trim, the holes stay resident
    assert after < 8  # the 64 KB and 2 KB objects (~3.4 MB) and little else


def test_is_harmless_to_call_repeatedly():
    first = return_free_memory()
    assert return_free_memory() == first == sys.platform.startswith("linux")
