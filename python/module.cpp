// The compiled half of the Python module `ddcpim` (python/ddcpim/__init__.py
// is the other): the fast engine over a config loaded once (explore::Explorer),
// with the CLI's errors raised as ddcpim.ConfigError.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "ddcpim/common/error.hpp"
#include "ddcpim/explore/explorer.hpp"

namespace py = pybind11;
using ddcpim::Override;

namespace {

std::vector<Override> overrides(const std::vector<std::pair<std::string, std::string>>& kv) {
    std::vector<Override> v;
    for (const auto& [k, value] : kv) v.push_back({k, value});
    return v;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "ddcpim's fast engine, in process (see the package ddcpim)";
    static py::exception<ddcpim::UserError> config_error(m, "ConfigError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const ddcpim::UserError& e) {
            config_error(e.what());
        }
    });
    py::class_<ddcpim::explore::Explorer>(m, "Explorer")
        .def(py::init([](const std::string& path, const std::vector<std::pair<std::string, std::string>>& kv) {
                 return std::make_unique<ddcpim::explore::Explorer>(path, overrides(kv));
             }),
             py::arg("config"), py::arg("overrides"))
        .def(
            "evaluate_json",
            [](ddcpim::explore::Explorer& e, const std::vector<std::pair<std::string, std::string>>& kv,
               const std::string& mode, bool lean, bool layer_energy) {
                // The GIL stays held: an Explorer's network cache is not shared safely between threads.
                return e.evaluate(overrides(kv), mode, lean, layer_energy).dump();
            },
            py::arg("point"), py::arg("mode"), py::arg("lean") = false, py::arg("layer_energy") = true)
        .def(
            "resolved_config",
            [](const ddcpim::explore::Explorer& e, const std::vector<std::pair<std::string, std::string>>& kv) {
                return e.resolved_config(overrides(kv));
            },
            py::arg("point"))
        .def(
            "validate",
            [](const ddcpim::explore::Explorer& e, const std::vector<std::pair<std::string, std::string>>& kv) {
                e.validate(overrides(kv));
            },
            py::arg("point"))
        .def_property_readonly("networks_built", &ddcpim::explore::Explorer::networks_built)
        .def_property_readonly("config_path", &ddcpim::explore::Explorer::config_path);
}
