#include "ddcpim/host/mapping.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "depthwise_mappers.hpp"
#include "im2col_mapper.hpp"

namespace ddcpim::host {

bool pairs_usable(const MacroParams& p, const LayerParams& params) {
    return p.complementary && p.dual_broadcast && !params.pairs.empty();
}

int toeplitz_outputs_per_segment(int kernel, int stride, int segment_rows, int columns) {
    return toeplitz_outputs(kernel, stride, segment_rows, columns);
}

void check_mappable(const NetworkDesc& net, const std::vector<LayerParams>&, const MacroParams& m) {
    for (const LayerDesc& l : net.layers)
        if (l.kind == LayerKind::Depthwise && l.kernel * l.kernel > m.rows) {
            SourceLocation loc = l.where;
            loc.layer = l.name;
            throw UserError(loc, fmt::format("a {}x{} depthwise kernel needs {} rows in one column; the macro has "
                                             "rows: {}",
                                             l.kernel, l.kernel, l.kernel * l.kernel, m.rows));
        }
}

int64_t estimated_macro_cycles(const LayerMapper& mapper, const LayerDesc& l, const MacroParams& m) {
    const int lanes = l.kind == LayerKind::Depthwise && m.dual_broadcast ? 2 : 1;
    const int ba = m.input_bits;
    int64_t cycles = 0;
    for (int t = 0; t < mapper.summary().tiles; ++t) {
        const Tile tile = mapper.tile(t);
        const int64_t rows = tile.rows_used;
        cycles += rows == 0 ? 1 : (rows + m.write_rows_per_cycle - 1) / m.write_rows_per_cycle + 2;
        const int64_t lin = std::max<int64_t>(1, (rows * ba * lanes + m.input_bus_bits - 1) / m.input_bus_bits);
        for (int64_t left = tile.vectors; left > 0; left -= m.buffer_vectors) {
            const int64_t n = std::min<int64_t>(left, m.buffer_vectors);
            cycles += lin + (n - 1) * std::max<int64_t>(ba, lin) + ba + m.adder_pipeline + 4;
        }
    }
    return cycles;
}

std::unique_ptr<LayerMapper> make_mapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m) {
    DDCPIM_ASSERT(l.is_mac());
    if (l.kind != LayerKind::Depthwise) return std::make_unique<Im2colMapper>(l, p, m);
    if (m.dw_mapping == "auto") {
        auto d = std::make_unique<DiagonalMapper>(l, p, m);
        int n = toeplitz_outputs(l.kernel, l.stride, m.segment_rows, m.weight_columns);
        if (n < 1) {
            d->add_note("auto: toeplitz does not fit a segment");
            return d;
        }
        auto t = std::make_unique<ToeplitzMapper>(l, p, m, n);
        const int64_t ct = estimated_macro_cycles(*t, l, m), cd = estimated_macro_cycles(*d, l, m);
        std::string why = fmt::format("auto: toeplitz {} vs diagonal {} estimated macro cycles", ct, cd);
        if (ct <= cd) {
            t->add_note(why);
            return t;
        }
        d->add_note(why);
        return d;
    }
    if (m.dw_mapping == "toeplitz") {
        int n = toeplitz_outputs(l.kernel, l.stride, m.segment_rows, m.weight_columns);
        if (n >= 1) return std::make_unique<ToeplitzMapper>(l, p, m, n);
        auto d = std::make_unique<DiagonalMapper>(l, p, m);
        d->add_note(fmt::format("toeplitz: a {}x{} window does not fit a {}-row segment; diagonal instead", l.kernel,
                                l.kernel, m.segment_rows));
        return d;
    }
    return std::make_unique<DiagonalMapper>(l, p, m);
}

}  // namespace ddcpim::host
