#include "cli_common.hpp"

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "ddcpim/common/npy.hpp"
#include "ddcpim/ref/engine.hpp"

namespace ddcpim::cli {

void add_common_options(CLI::App& app, CommonOptions& o) {
    app.add_option("--config", o.config, "network and macro config (YAML)")->required();
    app.add_option("--set", o.sets, "override a config key, KEY=VALUE (repeatable), e.g. macro.rows=128");
    app.add_option("--input", o.input_npy, "input tensor (.npy, C x H x W integers); default: the seeded sample input");
    app.add_flag("--print-config", o.print_config, "print the fully resolved config");
    app.add_option("--write-config", o.write_config, "write the fully resolved config to this file");
    app.add_flag("--quiet,-q", o.quiet, "print only errors and the final totals");
}

int run_tool(const char* tool, CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    try {
        return body();
    } catch (const UserError& e) {
        std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
        return 2;
    } catch (const YAML::Exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
        return 2;
    }
}

ConfigFile load_config_from(const CommonOptions& o) {
    std::vector<Override> ov;
    for (const auto& s : o.sets) ov.push_back(parse_override(s));
    return load_config(o.config, ov);
}

Tensor load_input(const CommonOptions& o, const ConfigFile& cfg) {
    if (o.input_npy.empty()) return ref::sample_input(cfg.network, cfg.weights.seed);
    NpyArray a = read_npy(o.input_npy);
    if (!a.is_integer() || a.shape.size() != 3)
        throw UserError({o.input_npy}, fmt::format("expected a 3-D integer array (C, H, W), got dtype {} with {} dims",
                                                   a.dtype, a.shape.size()));
    Tensor t(Shape{int(a.shape[0]), int(a.shape[1]), int(a.shape[2])}, cfg.network.input.is_signed);
    for (size_t i = 0; i < a.values.size(); ++i) t.data[i] = static_cast<int32_t>(a.values[i]);
    ref::check_input(cfg.network, t, o.input_npy);
    return t;
}

void emit_resolved_config(const CommonOptions& o, const ConfigFile& cfg) {
    if (!o.print_config && o.write_config.empty()) return;
    YAML::Emitter em;
    em << resolved_config_yaml(cfg);
    if (o.print_config) fmt::print("# resolved config\n{}\n", em.c_str());
    if (!o.write_config.empty()) {
        std::ofstream f(o.write_config);
        if (!f) throw UserError({o.write_config}, "cannot open for writing");
        f << "# resolved from " << cfg.path << "\n" << em.c_str() << "\n";
    }
}

}  // namespace ddcpim::cli
