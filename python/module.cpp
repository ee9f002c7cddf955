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

// The JSON as the Python objects json.loads would give (ints stay ints, floats floats, objects keep their
// order), without printing it to text and parsing it back: for a whole --json dict the text is most of a
// point's time.
py::object to_python(const nlohmann::ordered_json& j) {
    switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
        return py::none();
    case nlohmann::ordered_json::value_t::boolean:
        return py::bool_(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
        return py::int_(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned:
        return py::int_(j.get<uint64_t>());
    case nlohmann::ordered_json::value_t::number_float:
        return py::float_(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
        return py::str(j.get_ref<const std::string&>());
    case nlohmann::ordered_json::value_t::array: {
        py::list out(j.size());
        size_t i = 0;
        for (const auto& v : j) out[i++] = to_python(v);
        return std::move(out);
    }
    case nlohmann::ordered_json::value_t::object: {
        py::dict out;
        for (const auto& [k, v] : j.items()) out[py::str(k)] = to_python(v);
        return std::move(out);
    }
    default:  // binary and discarded values: never in a result
        throw std::logic_error("ddcpim: a JSON value of a kind results never hold");
    }
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
        // The same result as JSON text (what ddcpim_sim --json writes); the tests hold evaluate's objects to it.
        .def(
            "evaluate_json",
            [](ddcpim::explore::Explorer& e, const std::vector<std::pair<std::string, std::string>>& kv,
               const std::string& mode, bool lean, bool layer_energy) {
                // The GIL stays held: an Explorer's network cache is not shared safely between threads.
                return e.evaluate(overrides(kv), mode, lean, layer_energy).dump();
            },
            py::arg("point"), py::arg("mode"), py::arg("lean") = false, py::arg("layer_energy") = true)
        .def(
            "evaluate",
            [](ddcpim::explore::Explorer& e, const std::vector<std::pair<std::string, std::string>>& kv,
               const std::string& mode, bool lean, bool layer_energy) {
                return to_python(e.evaluate(overrides(kv), mode, lean, layer_energy));
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
