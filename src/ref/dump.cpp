#include "ddcpim/ref/dump.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ddcpim/common/npy.hpp"

namespace ddcpim {

namespace fs = std::filesystem;

LayerDumper::LayerDumper(const Network& net, std::string dir) : m_net(net), m_dir(std::move(dir)) {
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec) throw UserError({m_dir}, fmt::format("cannot create dump directory: {}", ec.message()));
    m_width = static_cast<int>(std::to_string(std::max<size_t>(1, net.desc.layers.size() - 1)).size());
    if (m_width < 2) m_width = 2;
}

std::string LayerDumper::prefix(size_t index) const {
    return (fs::path(m_dir) / fmt::format("{:0{}}_{}", index, m_width, m_net.desc.layers[index].name)).string();
}

void LayerDumper::dump(size_t index, const Tensor& input, const std::vector<int32_t>& acc) const {
    const LayerDesc& l = m_net.desc.layers[index];
    const LayerParams& p = m_net.params[index];
    DDCPIM_ASSERT(l.is_mac());
    std::string base = prefix(index);
    write_npy_int32(base + ".input.npy", {input.shape.c, input.shape.h, input.shape.w}, input.data);
    // fc is written as a convolution whose kernel covers the whole input (C, H, W).
    if (l.kind == LayerKind::Fc)
        write_npy_int32(base + ".weight.npy", {l.out_channels, l.in_shape.c, l.in_shape.h, l.in_shape.w}, p.weight);
    else
        write_npy_int32(base + ".weight.npy", {l.out_channels, l.in_shape.c / l.groups(), l.kernel, l.kernel},
                        p.weight);
    write_npy_int32(base + ".acc.npy", {l.out_shape.c, l.out_shape.h, l.out_shape.w}, acc);

    nlohmann::ordered_json j;
    j["name"] = l.name;
    j["kind"] = kind_name(l.kind);
    j["stride"] = l.kind == LayerKind::Fc ? 1 : l.stride;
    if (l.padding.uniform()) j["padding"] = l.padding.top;
    else j["padding"] = {l.padding.top, l.padding.left, l.padding.bottom, l.padding.right};
    j["groups"] = l.groups();
    j["input_signed"] = l.in_signed;
    j["pairs"] = nlohmann::json::array();
    for (auto [a, b] : p.pairs) j["pairs"].push_back({a, b});
    std::ofstream f(base + ".json");
    if (!f) throw UserError({base + ".json"}, "cannot open for writing");
    f << j.dump(2) << "\n";
}

}  // namespace ddcpim
