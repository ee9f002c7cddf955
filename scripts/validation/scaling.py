"""The technology scaling model: energy, delay and area factors between CMOS nodes (docs/validation.md).

Source: A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of CMOS device performance
from 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017) 74-81, with the authors' erratum to the worked
example of its section 4.2.1. The paper fits, per node, HSpice results (PTM and ITRS device models) with

  delay factor   D(V) = d3 V^3 + d2 V^2 + d1 V + d0
  energy factor  E(V) = e2 V^2 + e1 V + e0          (energy per operation)
  power factor   P(V) = p2 V^2 + p1 V + p0

and tabulates area factors between nodes. The coefficients below are the paper's tables as transcribed in the
MIT-licensed nodeScale tool (W. Romaszkan, UCLA NanoCAD Lab, github.com/wromaszkan/nodeScale, nodeScale.py);
tests/test_validation.py checks them against the erratum's worked example (the energy factors of 32 nm HP at
0.9 V and 65 nm at 1.3 V). The high-performance (HP) variant is used at 45 nm and below.

Nodes between tabulated ones (55, 28, 22, 12 nm) are interpolated linearly in log(factor) against log(node);
nodes below 7 nm (5, 4 nm) are extrapolated with the 10-to-7 nm slope on the same axes. Both are this
project's choices, not the paper's, and the extrapolation below 7 nm is outside what the paper fitted.
"""
import math

# node (nm) -> (d3, d2, d1, d0, e2, e1, e0, p2, p1, p0); HP variant at 45 nm and below.
COEFFICIENTS = {
    180: (0, 97.09, -356.7, 406.5, 0, 24.64, -17.98, 0, 101000, -79720),
    130: (-76.65, 334.9, -493.4, 275.8, 7.171, -6.709, 2.904, 27020, -15450, 5630),
    90: (-60.34, 262.5, -384.2, 210.9, 4.762, -4.781, 2.092, 17320, -11230, 4328),
    65: (-53.3, 230.4, -333.9, 178.6, 3.755, -4.398, 1.975, 12890, -10510, 4362),
    45: (-501.6, 1567, -1619, 566.1, 1.018, -0.3107, 0.1539, 5462, -1760, 522.4),
    32: (-1047, 2982, -2797, 873.5, 0.8367, -0.4341, 0.1701, 4001, -1733, 533.6),
    20: (0, 34.63, -66.37, 41.15, 0.373, -0.1582, 0.04104, 2922, -1286, 299.9),
    16: (0, 24.8, -47.52, 28.87, 0.2958, -0.1241, 0.03024, 2133, -882.6, 197.7),
    14: (-40.66, 109.2, -100.6, 35.92, 0.2363, -0.09675, 0.02239, 1675, -711, 159),
    10: (-34.95, 93.65, -85.99, 30.4, 0.2068, -0.09311, 0.02375, 1456, -621.6, 143.8),
    7: (-28.58, 76.6, -70.26, 24.69, 0.1776, -0.09097, 0.02447, 1179, -515.7, 123.4),
}

# Area of a design at each node relative to 45 nm: the paper's area table, row 45 nm (area at node / area at 45 nm).
AREA_VS_45 = {180: 19, 130: 6.4, 90: 2.8, 65: 1.5, 45: 1, 32: 0.46, 20: 0.21, 16: 0.19, 14: 0.17, 10: 0.1, 7: 0.059}

# Nominal core supply per node, V (E: the high-performance supplies of the device models such scaling studies
# simulate: 65 nm 1.1 V, 45 nm 1.0 V, 32 nm 0.9 V, 22 nm 0.8 V, 14 nm 0.8 V, 10 nm 0.75 V, 7 nm 0.7 V; 28 nm 0.9 V
# as configs/tech/28nm.yaml). Interpolated linearly against log(node) between anchors, held at 0.7 V below 7 nm.
NOMINAL_V_ANCHORS = {180: 1.8, 130: 1.3, 90: 1.2, 65: 1.1, 45: 1.0, 32: 0.9, 28: 0.9, 22: 0.8, 14: 0.8,
                     10: 0.75, 7: 0.7}

TABULATED = sorted(COEFFICIENTS, reverse=True)  # 180 ... 7


def delay_factor_at(node, v):
    """The paper's delay polynomial of a tabulated node at supply v."""
    d3, d2, d1, d0 = COEFFICIENTS[node][:4]
    return ((d3 * v + d2) * v + d1) * v + d0


def energy_factor_at(node, v):
    """The paper's energy-per-operation polynomial of a tabulated node at supply v."""
    e2, e1, e0 = COEFFICIENTS[node][4:7]
    return (e2 * v + e1) * v + e0


def power_factor_at(node, v):
    """The paper's power polynomial of a tabulated node at supply v."""
    p2, p1, p0 = COEFFICIENTS[node][7:10]
    return (p2 * v + p1) * v + p0


def bracket(node, nodes):
    """(a, b, t): the two tabulated nodes whose log-linear blend gives node, and the blend weight of b.
    Inside the table a >= node >= b; below its smallest node, the last two nodes (t > 1: extrapolation)."""
    nodes = sorted(nodes, reverse=True)
    if node > nodes[0]:
        raise ValueError(f"{node} nm is above the largest tabulated node ({nodes[0]} nm)")
    if node in nodes:
        return node, node, 0.0
    pairs = list(zip(nodes, nodes[1:]))
    a, b = next(((a, b) for a, b in pairs if a > node > b), pairs[-1])
    return a, b, math.log(a / node) / math.log(a / b)


def log_blend(fa, fb, t):
    """exp((1 - t) ln fa + t ln fb): linear in log(factor) against log(node)."""
    return fa if t == 0 else math.exp((1 - t) * math.log(fa) + t * math.log(fb))


def extrapolated(node):
    """True when node is below the smallest node the paper fitted."""
    return node < min(COEFFICIENTS)


def energy_factor(node, v):
    """Energy per operation at node and supply v, in the paper's units (only ratios are meaningful)."""
    a, b, t = bracket(node, COEFFICIENTS)
    return log_blend(energy_factor_at(a, v), energy_factor_at(b, v), t)


def delay_factor(node, v):
    """Circuit delay at node and supply v, in the paper's units (only ratios are meaningful)."""
    a, b, t = bracket(node, COEFFICIENTS)
    return log_blend(delay_factor_at(a, v), delay_factor_at(b, v), t)


def area_factor(node):
    """Area at node relative to 45 nm."""
    a, b, t = bracket(node, AREA_VS_45)
    return log_blend(AREA_VS_45[a], AREA_VS_45[b], t)


def nominal_v(node):
    """The node's nominal supply, V, rounded to 10 mV."""
    anchors = NOMINAL_V_ANCHORS
    if node < min(anchors):
        return anchors[min(anchors)]
    a, b, t = bracket(node, anchors)
    v = anchors[a] if t == 0 else anchors[a] + t * (anchors[b] - anchors[a])
    return round(v, 2)


def how(node):
    """A short phrase saying how a node's factors are obtained: tabulated, interpolated or extrapolated."""
    a, b, t = bracket(node, COEFFICIENTS)
    if t == 0:
        return f"the paper's {node} nm fit"
    if extrapolated(node):
        return f"extrapolated below the paper's range from its {a} and {b} nm fits (log-log)"
    return f"interpolated (log-log) between the paper's {a} and {b} nm fits"


def factors(node, source_node, source_v):
    """The factors from source_node at source_v to node at its nominal supply:
    {'energy', 'delay', 'area', 'nominal_v'}; each a ratio target/source."""
    vn = nominal_v(node)
    return {
        "nominal_v": vn,
        "energy": energy_factor(node, vn) / energy_factor(source_node, source_v),
        "delay": delay_factor(node, vn) / delay_factor(source_node, source_v),
        "area": area_factor(node) / area_factor(source_node),
    }
