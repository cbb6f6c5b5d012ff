"""Writing files so that a crash never leaves half a file, nor loses the previous one."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file beside it, renamed into place: the
    target is either the old file or the whole new one. An existing file keeps its mode."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as stream:  # created with the umask's permissions
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            temporary.chmod(stat.S_IMODE(target.stat().st_mode))
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
