"""WeasyPrint's libraries are found from the linker cache, without a compiler run per name."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fichepress.pdf.libraries import soname_in

CACHE = b"""1234 libs found in cache `/etc/ld.so.cache'
\tlibpango-1.0.so.0 (libc6) => /usr/lib/i386-linux-gnu/libpango-1.0.so.0
\tlibpango-1.0.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0
\tlibpangoft2-1.0.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libpangoft2-1.0.so.0
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the linker cache is glibc's")
def test_a_name_is_found_for_this_architecture_only() -> None:
    import os

    if os.uname().machine != "x86_64":
        pytest.skip("the sample cache is of x86-64")
    assert soname_in(CACHE, "pango-1.0") == "libpango-1.0.so.0"
    assert soname_in(CACHE, "pangoft2-1.0") == "libpangoft2-1.0.so.0"
    # The Windows-style names WeasyPrint tries first are not libraries here.
    assert soname_in(CACHE, "libpango-1.0-0") is None
    assert soname_in(CACHE, "pango") is None


PROBE = """
import json, sys
started = []
def audit(event, args):
    if event == "subprocess.Popen":
        started.append(str(args[0]))
sys.addaudithook(audit)
{imports}
import weasyprint.text.ffi as ffi
maps = open("/proc/self/maps").read().split()
names = ("harfbuzz", "pango", "gobject", "fontconfig")
libs = sorted({{m.rsplit("/", 1)[-1] for m in maps if any(n in m for n in names)}})
print(json.dumps({{"started": started, "libs": libs, "subset": ffi.harfbuzz_subset is not None}}))
"""


def _probe(imports: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(imports=imports)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.process
@pytest.mark.skipif(sys.platform != "linux", reason="the slow lookup is Linux's")
def test_weasyprint_loads_the_same_libraries_with_one_process_instead_of_dozens() -> None:
    plain = _probe("import weasyprint")
    ours = _probe("import fichepress.pdf.write")
    assert ours["libs"] == plain["libs"] and ours["subset"] is True
    assert ours["started"] == ["/sbin/ldconfig"]
    assert len(plain["started"]) > 10  # type: ignore[arg-type]  # what it saves
