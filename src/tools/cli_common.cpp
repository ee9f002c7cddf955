#include "cli_common.hpp"

#include <new>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "ddcpim/common/npy.hpp"
#include "ddcpim/ref/engine.hpp"

namespace ddcpim::cli {

void add_common_options(CLI::App& app, CommonOptions& o) {
    app.add_option("--config", o.config, "network and macro config (YAML)")->required();
    app.add_option("--set", o.sets, "override a config key, KEY=VALUE (repeatable), e.g. macro.rows=128");
    app.add_option("--input", o.input_npy, "input tensor (.npy, C x H x W integers; ddcpim_ref also takes a batch, N x C x H x W); default: the seeded sample input");
    app.add_flag("--print-config", o.print_config, "print the fully resolved config (every default written out) and stop");
    app.add_flag("--check", o.check,
                 "load and validate everything (config, weights, pairs, input); print the resolved config; run nothing; "
                 "exit 0, or 2 with the problem");
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
        return 2;    } catch (const std::bad_alloc&) {
        // Every size a config can ask for is checked against limits: before it is allocated; what still
        // runs out (a machine smaller than the limits assume) is reported as the user's, in one line.
        std::fprintf(stderr, "%s: error: out of memory (lower the sizes in the config, or the limits: section's "
                             "bounds, docs/config.md)\n", tool);
        return 2;
    }
}

ConfigFile load_config_from(const CommonOptions& o) {
    std::vector<Override> ov;
    for (const auto& s : o.sets) ov.push_back(parse_override(s));
    return load_config(o.config, ov);
}

std::vector<Tensor> load_inputs(const CommonOptions& o, const ConfigFile& cfg, bool* batched) {
    *batched = false;
    if (o.input_npy.empty()) return {ref::sample_input(cfg.network, cfg.weights.seed)};
    NpyArray a = read_npy(o.input_npy);
    if (!a.is_integer() || (a.shape.size() != 3 && a.shape.size() != 4))
        throw UserError({o.input_npy},
                        fmt::format("expected a 3-D (C, H, W) or 4-D (N, C, H, W) integer array, got dtype {} with {} dims",
                                    a.dtype, a.shape.size()));
    *batched = a.shape.size() == 4;
    const size_t lead = *batched ? 1 : 0;
    const int64_t n = *batched ? a.shape[0] : 1;
    if (n < 1) throw UserError({o.input_npy}, "expected at least one image along the leading N axis, got 0");
    const Shape shape{int(a.shape[lead]), int(a.shape[lead + 1]), int(a.shape[lead + 2])};
    std::vector<Tensor> images;
    images.reserve(size_t(n));
    const size_t per_image = a.values.size() / size_t(n);
    for (int64_t i = 0; i < n; ++i) {
        Tensor t(shape, cfg.network.input.is_signed);
        for (size_t j = 0; j < per_image; ++j) t.data[j] = static_cast<int32_t>(std::clamp(a.values[size_t(i) * per_image + j], -2147483648.0, 2147483647.0));
        ref::check_input(cfg.network, t, *batched ? fmt::format("{} (image {})", o.input_npy, i) : o.input_npy);
        images.push_back(std::move(t));
    }
    return images;
}

Tensor load_input(const CommonOptions& o, const ConfigFile& cfg) {
    bool batched = false;
    std::vector<Tensor> images = load_inputs(o, cfg, &batched);
    if (batched)
        throw UserError({o.input_npy}, fmt::format("expected one image (C, H, W); this tool takes no batch of {}",
                                                   images.size()));
    return std::move(images.front());
}

bool emit_resolved_config(const CommonOptions& o, const ConfigFile& cfg) {
    if (!o.print_config && o.write_config.empty()) return false;
    YAML::Emitter em;
    em << resolved_config_yaml(cfg);
    if (!o.write_config.empty()) {
        std::ofstream f(o.write_config);
        if (!f) throw UserError({o.write_config}, "cannot open for writing");
        f << "# resolved from " << cfg.path << "\n" << em.c_str() << "\n";
    }
    if (o.print_config && !o.check) {
        fmt::print("# resolved config of {}\n{}\n", cfg.path, em.c_str());
        return true;
    }
    return false;
}

int report_check(const char* tool, const ConfigFile& cfg, const std::string& what) {
    YAML::Emitter em;
    em << resolved_config_yaml(cfg);
    fmt::print("# resolved config of {}\n{}\n", cfg.path, em.c_str());
    fmt::print(stderr, "{}: check passed: {}\n", tool, what);
    return 0;
}

}  // namespace ddcpim::cli
