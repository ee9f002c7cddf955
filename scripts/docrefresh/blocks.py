"""The registry: every block of a page that a command writes, between <!-- refresh:NAME --> and
<!-- /refresh:NAME --> on lines of their own.

A block's text is the command's standard output, trimmed, optionally cut to the lines from `start`
(a prefix) and wrapped in a code fence. `cheap` blocks take seconds and need only the build and the
repository (the fast engine, small clocked runs): CI checks them (ctest docs_up_to_date); the others
need the Fashion-MNIST dataset or minutes of simulation.
"""
from dataclasses import dataclass, field


@dataclass
class Block:
    name: str
    page: str                 # relative to the repository
    commands: list            # argument lists; {bin} and {repo} are substituted; all but the last only prepare
    cheap: bool
    fence: bool = False       # wrap the output in ```
    start: str = ""           # keep the output from the first line starting with this
    stop: str = ""            # and before the first line (after it) starting with this
    cwd: str = "{tmp}"        # where the commands run
    env: dict = field(default_factory=dict)


def headline(table):
    return Block(f"readme-{table}", "README.md",
                 [["/usr/bin/python3", "{repo}/scripts/headline_tables", table, "--bin", "{bin}"]], cheap=True)


BLOCKS = [
    headline("speedups"), headline("sensitivity"), headline("ablation"), headline("cost"), headline("system"),
    Block("cost-default-macro", "docs/cost.md",
          [["/usr/bin/python3", "{repo}/scripts/headline_tables", "cost-detail", "--bin", "{bin}"]], cheap=True),
    Block("host-compare-example", "docs/host.md",
          [["{bin}/ddcpim_sim", "--config", "{repo}/configs/tiny_residual.yaml", "--compare", "-q"]],
          cheap=True, fence=True, start="tiny_residual (ddc):"),
    Block("report-diff-example", "docs/report.md",
          [["{bin}/ddcpim_sim", "--config", "{repo}/configs/tiny_residual.yaml", "--compare", "-q", "--json", "a.json"],
           ["{bin}/ddcpim_sim", "--config", "{repo}/configs/tiny_residual.yaml", "--compare", "-q", "--json", "b.json",
            "--set", "macro.rows=128"],
           ["/usr/bin/python3", "{repo}/scripts/diff_runs", "a.json", "b.json", "--top", "3"]],
          cheap=True, fence=True),
    Block("validation-claims", "docs/validation.md",
          [["/usr/bin/python3", "{repo}/scripts/validate_cost", "--bin", "{bin}", "--claims"]],
          cheap=True, start="Ratios are ours"),
    Block("energy-on-data", "docs/cost.md",
          [["/usr/bin/python3", "{repo}/scripts/energy_on_data", "--bin", "{bin}", "--images", "100", "--markdown"]],
          cheap=False, start="| network"),
]


def by_name(names):
    known = {b.name: b for b in BLOCKS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"no block named {unknown[0]} (known: {', '.join(known)})")
    return [known[n] for n in names] if names else list(BLOCKS)
