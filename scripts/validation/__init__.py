"""Validation of the area and energy model against published digital SRAM compute-in-memory macros
(docs/validation.md).

Modules, one job each:
  dataset   the published macros (docs/data/validation/dimc_macros.csv) and how each is expressed in our terms
  scaling   the technology scaling model (Stillmaker and Baas 2017): energy, delay and area factors per node
  techgen   configs/tech/<node>.yaml generated from configs/tech/28nm.yaml with that model
  predict   our figures for a macro, from build/bin/ddcpim_cost
  fit       signed errors, the leave-one-out calibration and the summary
  report    the table (text, markdown), the JSON and the plots
"""


class ValidationError(Exception):
    """A user's mistake (a bad CSV, a missing binary or technology file); the message names it. Exit status 2."""
