// The per-layer table ddcpim_ref prints.
#pragma once

#include <string>

#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/engine.hpp"

namespace ddcpim {

std::string reference_summary(const Network& net, const ref::RunResult& result, double seconds);

}  // namespace ddcpim
