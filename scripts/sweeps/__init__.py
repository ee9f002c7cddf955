"""scripts/sweep as a package: design-space sweeps over the ddcpim simulator (docs/sweeps.md).

One module per job, so that each can be read (and changed) on its own:

  spec     the sweep spec (YAML): its checks, its points, what a point's --set options are
  results  the results CSV and its two sidecars: rows of a point's JSON, append-only, resumable
  fast     `run --engine fast` (the default): every point in this process through the ddcpim module
  clocked  `run --engine clocked`: one ddcpim_sim process per point, --jobs at a time
  check    `run --check N`: N points again on the clocked engine, compared field by field with the fast ones
  jobs     `jobs` (one shell command per point, for GNU parallel or a Slurm array) and `merge`
  plot     `plot`: PNGs of a results CSV (matplotlib)
  explore  `explore`: Pareto fronts and speedup by macro size of a large compare sweep
  system   `system`: throughput, latency, traffic and energy per image against the number of macros
  notes    stderr messages and progress lines
  cli      the command line: argparse, `run`'s loop, exit statuses

scripts/sweep is the command; it only puts scripts/ on sys.path and calls cli.main().
Standard library and PyYAML only; matplotlib only for `plot`; the fast engine needs the
ddcpim module built beside ddcpim_sim (build/python, by scripts/build).
"""
