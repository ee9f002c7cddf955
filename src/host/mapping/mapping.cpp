#include "ddcpim/host/mapping.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ddcpim/host/schedule.hpp"
#include "ddcpim/host/system_plan.hpp"
#include "depthwise_mappers.hpp"
#include "im2col_mapper.hpp"

namespace ddcpim::host {

std::vector<int32_t> LayerMapper::tile_weight_columns(int t) const {
    const std::vector<int32_t> rows = tile_weights(t);
    const size_t r = size_t(tile_shape(t).rows_used), n = r ? rows.size() / r : 0;
    std::vector<int32_t> columns(rows.size());
    for (size_t i = 0; i < r; ++i)
        for (size_t j = 0; j < n; ++j) columns[j * r + i] = rows[i * n + j];
    return columns;
}

bool pairs_usable(const MacroParams& p, const LayerDesc& l, const LayerParams& params) {
    if (!p.complementary || params.pairs.empty()) return false;
    // Pointwise mode drives the same input on both sides; a depthwise partner needs its own lane.
    return l.kind != LayerKind::Depthwise || p.dual_broadcast;
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

void describe_mapping(const MappingSummary& s, const LayerDesc& l, const MacroParams& m, LayerResult& r) {
    r.mapping = s.scheme;
    r.mvms = s.mvms;
    r.tiles = s.tiles;
    r.pairs_used = s.pairs_used;
    r.note = s.note;
    const double slots = double(m.rows) * m.weight_columns * (m.complementary ? 2 : 1);
    r.utilization = r.mvms ? double(l.macs()) / (double(r.mvms) * slots) : 0;
}

int64_t layer_macro_cycles(const LayerMapper& mapper, const MacroParams& m) {
    return int64_t(plan_layer(mapper, m).span);
}

int64_t layer_streamed_cycles(const LayerMapper& mapper, const MacroParams& m, const MemoryParams& memory) {
    const LayerPlan plan = plan_layer(mapper, m);
    uint64_t channel = 0, longest_wait = 0;
    for (const MacroWork& w : plan.macros) {
        uint64_t wait = 0;
        int loaded = -1;
        for (const Unit& u : w.units) {
            if (u.tile != loaded) {
                const uint64_t beats = memory_beats(memory, tile_weight_bytes(m, mapper.tile_shape(u.tile).rows_used));
                channel += beats;
                wait += uint64_t(memory.latency) + beats;
            }
            loaded = u.tile;
        }
        longest_wait = std::max(longest_wait, wait);
    }
    return int64_t(std::max(plan.span + longest_wait, channel));
}

std::unique_ptr<LayerMapper> make_mapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m,
                                         const MemoryParams* streamed_from) {
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
        const int64_t ct = streamed_from ? layer_streamed_cycles(*t, m, *streamed_from) : layer_macro_cycles(*t, m);
        const int64_t cd = streamed_from ? layer_streamed_cycles(*d, m, *streamed_from) : layer_macro_cycles(*d, m);
        std::string why = fmt::format("auto: toeplitz {} vs diagonal {} {}", ct, cd,
                                      streamed_from ? "cycles with the weights' traffic" : "macro cycles");
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
