"""Small SVG chart helpers for the report: inline SVG text, no dependencies, no script.

The one chart kind is a horizontal bar chart (`hbar_chart`): rows grouped under a label (a layer, a layer
kind, a component), one or more bars per group (a mode each), every bar a stack of parts, an x axis with
ticks at the bottom (and at the top when the chart is tall), an optional reference line (1.0x) and a
legend. Every part carries a <title>, which browsers show as a tooltip with the exact figure.
All text goes through esc(). No xmlns attribute: inline SVG in HTML does not need one, and the page then
holds no URL at all.
"""
import html
import math
from dataclasses import dataclass, field

FONT = 12          # px, the chart's text
CHAR_W = 0.6       # average glyph width as a fraction of the font size, for layout estimates


def esc(s):
    return html.escape(str(s), quote=True)


def fmt_int(v):
    return f"{int(round(v)):,}"


def fmt_num(v, digits=3):
    """A float with `digits` significant digits, thousands separated, no exponent for usual sizes."""
    if v is None:
        return "-"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - mag)
    return f"{v:,.{decimals}f}"


def fmt_tick(v):
    """Compact tick labels: 0, 250, 1.5K, 20K, 1.2M, 0.05."""
    if v == 0:
        return "0"
    a = abs(v)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            s = f"{v / div:.2f}".rstrip("0").rstrip(".")
            return s + suffix
    if a >= 1:
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{v:.4g}"


def nice_scale(vmax, ticks=5):
    """(top, step): a round axis end at or above vmax with about `ticks` intervals."""
    if not vmax or vmax <= 0 or not math.isfinite(vmax):
        return 1.0, 0.25
    raw = vmax / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * mag
        if step >= raw:
            break
    top = math.ceil(vmax / step - 1e-9) * step
    return top, step


def text_width(s, size=FONT):
    return len(str(s)) * size * CHAR_W


@dataclass
class Bar:
    parts: list                  # [(value, color, title)], stacked left to right
    tag: str = ""                # short text left of the bar (the mode)
    text: str = ""               # text right of the bar (the total)
    text_fill: str = "#333"


@dataclass
class Group:
    label: str
    bars: list = field(default_factory=list)
    sublabel: str = ""           # grey text after the label (the layer kind)


class Svg:
    def __init__(self, width, height, label):
        self.width, self.height, self.label = width, height, label
        self.items = []

    def rect(self, x, y, w, h, fill, title=None, cls=None):
        a = f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{esc(fill)}"'
        if cls:
            a += f' class="{esc(cls)}"'
        self.items.append(a + (f"><title>{esc(title)}</title></rect>" if title else "/>"))

    def line(self, x1, y1, x2, y2, stroke="#999", width=1, dash=None):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.items.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{esc(stroke)}" '
                          f'stroke-width="{width}"{d}/>')

    def text(self, x, y, s, anchor="start", size=FONT, fill="#222", weight=None, extra=""):
        w = f' font-weight="{weight}"' if weight else ""
        self.items.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{esc(fill)}"'
                          f'{w} dominant-baseline="central">{esc(s)}{extra}</text>')

    def raw(self, s):
        self.items.append(s)

    def render(self):
        return (f'<svg class="chart" width="{self.width}" height="{self.height:.0f}" viewBox="0 0 {self.width} '
                f'{self.height:.0f}" role="img" aria-label="{esc(self.label)}">\n' + "\n".join(self.items) + "\n</svg>")


def legend_layout(items, x0, width, size=FONT):
    """Positions [(x, row, name, color)] of legend entries wrapped into rows within `width`."""
    out, x, row = [], x0, 0
    for name, color in items:
        w = 18 + text_width(name, size) + 16
        if x > x0 and x + w > x0 + width:
            x, row = x0, row + 1
        out.append((x, row, name, color))
        x += w
    return out


def hbar_chart(groups, *, axis_label, legend=(), aria="", width=1100, label_width=200, tag_width=0,
               value_width=120, bar_h=12, bar_gap=2, group_gap=7, xmax=None, ref_line=None, ref_label="",
               tick_fmt=fmt_tick, min_top_axis_rows=24):
    """A horizontal stacked bar chart as an SVG string (see the module's docstring)."""
    x0 = label_width + tag_width
    plot_w = width - x0 - value_width
    totals = [sum(max(p[0], 0) for p in b.parts) for g in groups for b in g.bars]
    vmax = max([t for t in totals if math.isfinite(t)] + [ref_line or 0, 0])
    top, step = nice_scale(xmax if xmax else vmax)
    scale = plot_w / top

    leg = legend_layout(legend, x0, plot_w + value_width)
    legend_h = (max(r for _, r, _, _ in leg) + 1) * 18 + 6 if leg else 0
    rows = sum(len(g.bars) for g in groups)
    top_axis = rows >= min_top_axis_rows
    y_plot = legend_h + (22 if top_axis else 8) + (14 if ref_line is not None else 0)
    heights = [len(g.bars) * bar_h + (len(g.bars) - 1) * bar_gap for g in groups]
    plot_h = sum(heights) + group_gap * (len(groups) + 1)
    height = y_plot + plot_h + 44

    svg = Svg(width, height, aria or axis_label)
    for x, r, name, color in leg:
        y = 6 + r * 18
        svg.rect(x, y, 12, 12, color)
        svg.text(x + 17, y + 6, name)

    # grid and tick labels
    n_ticks = int(round(top / step))
    for i in range(n_ticks + 1):
        v = i * step
        x = x0 + v * scale
        svg.line(x, y_plot, x, y_plot + plot_h, stroke="#e3e3e3")
        svg.text(x, y_plot + plot_h + 10, tick_fmt(v), anchor="middle", size=11, fill="#555")
        if top_axis:
            svg.text(x, y_plot - 10, tick_fmt(v), anchor="middle", size=11, fill="#555")
    svg.line(x0, y_plot, x0, y_plot + plot_h, stroke="#444")
    svg.line(x0, y_plot + plot_h, x0 + plot_w, y_plot + plot_h, stroke="#444")
    svg.text(x0 + plot_w / 2, y_plot + plot_h + 30, axis_label, anchor="middle", fill="#333", weight="600")

    y = y_plot + group_gap
    for g, h in zip(groups, heights):
        extra = f'<tspan fill="#888" font-size="11"> {esc(g.sublabel)}</tspan>' if g.sublabel else ""
        svg.text(label_width - 8, y + h / 2, g.label, anchor="end", extra=extra)
        for j, b in enumerate(g.bars):
            by = y + j * (bar_h + bar_gap)
            if b.tag:
                svg.text(x0 - 5, by + bar_h / 2, b.tag, anchor="end", size=10, fill="#666")
            x = x0
            for value, color, title in b.parts:
                if value > 0:
                    w = value * scale
                    svg.rect(x, by, w, bar_h, color, title)
                    x += w
            if b.text:
                svg.text(x + 4, by + bar_h / 2, b.text, size=11, fill=b.text_fill)
        y += h + group_gap

    if ref_line is not None:
        x = x0 + ref_line * scale
        svg.line(x, y_plot - 4, x, y_plot + plot_h, stroke="#222", width=1.5, dash="5,3")
        svg.text(x, y_plot - (24 if top_axis else 10), ref_label, anchor="middle", size=11, weight="600")
    return svg.render()
