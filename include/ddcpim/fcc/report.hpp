// The FCC report: a printed table and a JSON document.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ddcpim/fcc/fidelity.hpp"
#include "ddcpim/fcc/layer_report.hpp"

namespace ddcpim::fcc {

struct NetworkReport {
    std::string network;
    std::string config;
    FccOptions options;
    std::vector<LayerReport> layers;
    Fidelity fidelity;
    double seconds = 0;  // of the pairing itself
};

std::string report_table(const NetworkReport& r);
nlohmann::ordered_json report_json(const NetworkReport& r);

}  // namespace ddcpim::fcc
