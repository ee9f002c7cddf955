"""scripts/report and scripts/diff_runs as a package: a ddcpim_sim run JSON as a page, two runs compared
(docs/report.md).

  load         reads a run JSON (one mode, --compare or --ablate) and checks that it is one: Run, RunError
  svg          small SVG chart helpers (stacked horizontal bars, axes, legends), no dependencies
  html_report  the self-contained HTML page of one run (inline CSS and SVG, no script, no network)
  configdiff   the resolved configs ("config", YAML text) of two runs compared key by key
  diff         two runs compared: totals, speedups, per-layer cycles and energy, as text or JSON

scripts/report and scripts/diff_runs are the commands; they put scripts/ on sys.path and call main().
Standard library and PyYAML only.
"""
