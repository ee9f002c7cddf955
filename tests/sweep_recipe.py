"""The Slurm recipe of docs/sweeps.md ("With a Slurm job array"), taken from the page itself so that the
tests run what the documentation tells users to run (test_sweep.py with a stand-in sbatch, test_slurm.py
on a real Slurm).

recipe(source_dir, ...) returns the sbatch script and the two shell snippets (submit, then merge once the
array has finished) with the page's example paths replaced by the test's.
"""
import re
import shlex
from pathlib import Path

# The example paths the page uses, and what they stand for.
DOC_RESULTS_DIR = "/shared/paper"
DOC_SPEC = "configs/sweeps/paper_scale.yaml"
DOC_SBATCH = "sweep.sbatch"
DOC_MERGED = "paper.csv"
WAIT_MARK = "# when the array has finished:"


def code_blocks(text):
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def recipe(source_dir, results_dir, spec, sim, sbatch_path, merged_csv, python="/usr/bin/python3"):
    """(sbatch script text, submit snippet, merge snippet) from docs/sweeps.md, paths substituted:
    the results directory, the spec, the sbatch script's file and the merged CSV; `scripts/sweep` runs
    as `python SOURCE/scripts/sweep`, and `jobs` gets `--bin sim`."""
    page = Path(source_dir) / "docs" / "sweeps.md"
    blocks = code_blocks(page.read_text())
    script = [b for b in blocks if b.startswith("#!/bin/bash") and "#SBATCH" in b]
    submit = [b for b in blocks if "sbatch --array" in b]
    if len(script) != 1 or len(submit) != 1 or WAIT_MARK not in submit[0]:
        raise AssertionError(f"{page}: expected one sbatch script (#!/bin/bash, #SBATCH) and one block with "
                             f"`sbatch --array` and '{WAIT_MARK}' (found {len(script)} and {len(submit)}); "
                             "the recipe's shape changed: update tests/sweep_recipe.py")
    subst = {DOC_SPEC: shlex.quote(str(spec)), DOC_RESULTS_DIR: str(results_dir),
             DOC_SBATCH: shlex.quote(str(sbatch_path)), DOC_MERGED: shlex.quote(str(merged_csv))}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(subst, key=len, reverse=True)))

    sweep = f"{python} {shlex.quote(str(Path(source_dir) / 'scripts' / 'sweep'))}"

    def fill(text):
        text = pattern.sub(lambda m: subst[m.group(0)], text)
        lines = []
        for line in text.splitlines():
            if line.startswith("scripts/sweep "):
                sub = line.split()[1]
                line = f"{sweep} {line[len('scripts/sweep '):]}"
                if sub == "jobs":
                    line += f" --bin {shlex.quote(str(sim))}"
            lines.append(line)
        return "\n".join(lines) + "\n"

    for k in (DOC_SPEC, DOC_RESULTS_DIR, DOC_SBATCH, DOC_MERGED):
        if k not in submit[0] and k not in script[0]:
            raise AssertionError(f"{page}: the Slurm recipe no longer mentions {k}: update tests/sweep_recipe.py")
    if str(results_dir) != DOC_RESULTS_DIR and re.search(r"\s", str(results_dir)):
        raise ValueError("the results directory must not contain spaces (the page's paths are not quoted)")
    before, after = submit[0].split(WAIT_MARK, 1)
    return fill(script[0]), fill(before), fill(after)
