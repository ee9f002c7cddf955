// An integer activation tensor, C x H x W, values held as int32.
#pragma once

#include <cstdint>
#include <vector>

#include "ddcpim/network/layer.hpp"

namespace ddcpim {

struct Tensor {
    Shape shape;
    bool is_signed = true;
    std::vector<int32_t> data;

    Tensor() = default;
    Tensor(Shape s, bool sign) : shape(s), is_signed(sign), data(static_cast<size_t>(s.size()), 0) {}
    int32_t& at(int c, int h, int w) { return data[(size_t(c) * shape.h + h) * shape.w + w]; }
    int32_t at(int c, int h, int w) const { return data[(size_t(c) * shape.h + h) * shape.w + w]; }
};

}  // namespace ddcpim
