"""Loading WeasyPrint's system libraries without a compiler run per name it tries.

WeasyPrint asks cffi for each library under several names (Windows and macOS ones first:
`libgobject-2.0-0`, `gobject-2.0-0`, …). For each name that is not a file, cffi calls
`ctypes.util.find_library`, which on Linux runs `ldconfig -p`, then `gcc`, then `ld`: some
twenty processes and a quarter of a second on every `import weasyprint` (the build's worker
server, `fichepress build -j 1`). While WeasyPrint loads, `find_library` here reads the dynamic
linker's cache once and answers from it, as ctypes' first lookup does; the compiler fallbacks
run only where `LD_LIBRARY_PATH` may hold libraries the cache does not know.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# The ABI tag `ldconfig -p` gives the libraries of this interpreter's architecture (as ctypes).
_ABI = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}


def _linker_cache() -> bytes:
    try:
        return subprocess.run(
            ["/sbin/ldconfig", "-p"],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env={"LC_ALL": "C", "LANG": "C"},
            check=False,
        ).stdout
    except OSError:
        return b""


def soname_in(cache: bytes, name: str) -> str | None:
    """The file name the linker cache gives the library `name` ("pango-1.0" →
    "libpango-1.0.so.0"), for this interpreter's architecture; None if it has none."""
    bits = "-32" if struct.calcsize("l") == 4 else "-64"
    abi = _ABI.get(os.uname().machine + bits, "libc6")
    pattern = rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"
    found = re.search(os.fsencode(pattern), cache)
    return os.fsdecode(found.group(1)) if found else None


@contextmanager
def quick_library_lookup() -> Iterator[None]:
    """`ctypes.util.find_library` answered from one reading of the linker cache, inside."""
    if not sys.platform.startswith("linux"):
        yield
        return
    original = ctypes.util.find_library
    cache: list[bytes] = []
    searched_path = bool(os.environ.get("LD_LIBRARY_PATH"))

    def find_library(name: str) -> str | None:
        if not cache:
            cache.append(_linker_cache())
        found = soname_in(cache[0], name)
        if found is None and searched_path:
            return original(name)
        return found

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original
