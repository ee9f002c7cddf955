#include "ddcpim/network/layer.hpp"

#include <fmt/format.h>

namespace ddcpim {

const std::vector<std::string>& kind_names() {
    static const std::vector<std::string> names = {"conv", "depthwise", "pointwise", "fc", "add", "avgpool",
                                                    "se", "relu", "relu6", "swish", "sigmoid"};
    return names;
}

const char* kind_name(LayerKind k) { return kind_names()[static_cast<size_t>(k)].c_str(); }

LayerKind kind_from_name(const std::string& name) {
    const auto& n = kind_names();
    for (size_t i = 0; i < n.size(); ++i)
        if (n[i] == name) return static_cast<LayerKind>(i);
    DDCPIM_ASSERT(false && "unknown layer kind");
    return LayerKind::Conv;
}

std::string shape_text(const Shape& s) { return fmt::format("{}x{}x{}", s.c, s.h, s.w); }

bool LayerDesc::is_mac() const {
    return kind == LayerKind::Conv || kind == LayerKind::Depthwise || kind == LayerKind::Pointwise ||
           kind == LayerKind::Fc;
}

int LayerDesc::groups() const { return kind == LayerKind::Depthwise ? in_shape.c : 1; }

int LayerDesc::weights_per_filter() const {
    if (kind == LayerKind::Fc) return static_cast<int>(in_shape.size());
    return in_shape.c / groups() * kernel * kernel;
}

int64_t LayerDesc::macs() const {
    if (!is_mac()) return 0;
    return int64_t(out_shape.size()) * weights_per_filter();
}

}  // namespace ddcpim
