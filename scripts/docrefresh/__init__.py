"""Figures quoted in the README and docs/ that a command produces, kept equal to what it produces today
(issue 22; scripts/refresh_docs)."""
