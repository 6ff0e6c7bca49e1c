import subprocess
import sys

import pytest

from dotsparse.memory import release_large_buffers

# Frees 40 page-sized buffers after the first; prints the RSS growth in MB.
CHURN = """
import sys
from dotsparse.memory import release_large_buffers
if sys.argv[1] == "on":
    assert release_large_buffers()
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
keep = []
first = bytearray(11 << 20)
del first
base = rss()
for i in range(40):
    page = bytearray(11 << 20)
    keep.append(bytes(64 * 1024))  # small long-lived objects between the big ones, as in a real run
    del page
print(rss() - base)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_freed_page_buffers_go_back_to_the_os():
    growth = int(subprocess.run([sys.executable, "-c", CHURN, "on"], capture_output=True, text=True,
                                check=True).stdout)
    assert growth < 8  # the 64 KB objects (~2.5 MB) and nothing of the 11 MB pages


def test_is_harmless_to_call_twice():
    first = release_large_buffers()
    assert release_large_buffers() == first
