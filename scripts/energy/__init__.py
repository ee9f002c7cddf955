"""Energy that follows the data (issue 21; docs/cost.md): a network's energy and activity on real images
against random codes, from ddcpim_sim's fast engine, whose data-dependent events equal the
clocked engine's."""
