#include "ddcpim/host/mapping.hpp"

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

std::unique_ptr<LayerMapper> make_mapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m) {
    DDCPIM_ASSERT(l.is_mac());
    if (l.kind != LayerKind::Depthwise) return std::make_unique<Im2colMapper>(l, p, m);
    if (m.dw_mapping == "toeplitz") {
        int n = toeplitz_outputs(l.kernel, l.stride, m.segment_rows, m.weight_columns);
        if (n >= 1) return std::make_unique<ToeplitzMapper>(l, p, m, n);
    }
    return std::make_unique<DiagonalMapper>(l, p, m);
}

}  // namespace ddcpim::host
