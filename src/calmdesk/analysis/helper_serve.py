"""The helper process's side of `analysis.helper`: run as `python -m
calmdesk.analysis.helper_serve`, it loads the default models, says it is ready, then reads each
batch its caller sends with `pipeline.analyze_group` and sends the analyses back (pickled on its
stdin and stdout). Apart from `helper.py` so that the pipeline, which starts the helper, and the
helper's loop, which runs the pipeline, do not import each other."""

from __future__ import annotations

import os
import pickle
import sys
from typing import IO, Any

from calmdesk.analysis import fastpickle
from calmdesk.analysis.helper import READY

__all__ = ["main", "serve"]


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    from calmdesk.analysis.pipeline import analyze_group
    from calmdesk.analysis.scoring import default_models

    try:
        default_models().score(["Warm up: where is my parcel?"])
        pickle.dump((-1, True, READY), stdout, 5)
    except Exception as exc:  # the models cannot load: say so, the caller reads its groups
        pickle.dump((-1, False, f"the helper cannot load the models: {exc}"), stdout, 5)
    stdout.flush()
    while True:
        try:
            seq, conversations, max_chars, playbook = pickle.load(stdin)
        except EOFError:
            return
        try:
            reply: tuple[int, bool, Any] = (
                seq,
                True,
                analyze_group(conversations, max_chars, playbook),
            )
        except Exception as exc:  # reported to the caller, which reads the group itself
            reply = (seq, False, f"{type(exc).__name__}: {exc}")
        fastpickle.dump(reply, stdout)  # analyses as constructor calls: 4x cheaper
        stdout.flush()


def main() -> None:
    """The helper's loop: the protocol owns the real stdout; anything printed goes to stderr."""
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, stdout)
    stdout.flush()
    # The caller has closed the pipe and waits for this process to end: nothing here is kept,
    # so the interpreter's teardown of the models (0.2 s at the end of every long
    # `calmdesk analyze`) is skipped.
    os._exit(0)


if __name__ == "__main__":
    main()
