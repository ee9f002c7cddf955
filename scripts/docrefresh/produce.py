"""Running a block's commands and cutting their output to the block's text."""
import os
import subprocess
import tempfile


class ProduceError(Exception):
    """A command that failed: one line for the user."""


def produce(block, repo, bin_dir):
    with tempfile.TemporaryDirectory(prefix="refresh_docs-") as tmp:
        out = ""
        for cmd in block.commands:
            args = [a.format(bin=bin_dir, repo=repo, tmp=tmp) for a in cmd]
            env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1", **block.env)
            r = subprocess.run(args, capture_output=True, text=True, cwd=block.cwd.format(tmp=tmp, repo=repo), env=env)
            if r.returncode != 0:
                said = (r.stderr.strip().splitlines() or [f"exit status {r.returncode}"])[-1]
                raise ProduceError(f"{block.name}: {' '.join(args)}: {said}")
            out = r.stdout
    lines = out.strip("\n").splitlines()
    if block.start:
        first = next((i for i, l in enumerate(lines) if l.startswith(block.start)), None)
        if first is None:
            raise ProduceError(f"{block.name}: no output line starts with {block.start!r}")
        lines = lines[first:]
    if block.stop:
        last = next((i for i, l in enumerate(lines) if i > 0 and l.startswith(block.stop)), len(lines))
        lines = lines[:last]
    while lines and not lines[-1].strip():
        lines.pop()
    text = "\n".join(lines) + "\n"
    return f"```\n{text}```\n" if block.fence else text
