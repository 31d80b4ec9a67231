"""Run one synthesis in a forked child, so that whatever state the engine keeps dies with the child.

eSpeak NG keeps its pitch-flutter position between utterances, and Piper's ONNX session its random state:
the same sentence would come out differently depending on what was said before. A child forked from a
process that has loaded the engine but never synthesized starts from the same state every time, so each
sentence's audio is a function of its text alone. It costs a few milliseconds a sentence.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..errors import SynthesisError

available = hasattr(os, "fork")


def in_child(function: Callable[[str], bytes], text: str, *, engine: str) -> bytes:
    """Run `function(text)` in a forked child and return its bytes; an exception there is raised here."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        code = 0
        try:
            data = memoryview(function(text))
        except BaseException as exc:  # report it to the parent, which raises it
            data, code = memoryview(f"{type(exc).__name__}: {exc}".encode()), 1
        try:
            while data:
                data = data[os.write(write_end, data) :]
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(1 << 20):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    output = b"".join(chunks)
    if os.waitstatus_to_exitcode(status) != 0:
        message = output.decode("utf-8", "replace") or f"exit status {status}"
        raise SynthesisError(f"{engine} failed on {text[:80]!r}: {message}")
    return output
