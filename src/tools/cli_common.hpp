// Options and error handling shared by the command-line tools.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim::cli {

struct CommonOptions {
    std::string config;
    std::vector<std::string> sets;
    std::string input_npy;
    std::string write_config;
    bool print_config = false;
    bool check = false;
    bool quiet = false;
};

void add_common_options(CLI::App& app, CommonOptions& o);

// Runs `body`, turning a UserError into "tool: error: ..." and exit status 2;
// CLI11 parse errors also exit 2.
int run_tool(const char* tool, CLI::App& app, int argc, char** argv, const std::function<int()>& body);

ConfigFile load_config_from(const CommonOptions& o);
// The sample input of the network, or the --input file (C, H, W).
Tensor load_input(const CommonOptions& o, const ConfigFile& cfg);
// The --input file as a batch: (N, C, H, W) gives N images, (C, H, W) one;
// without --input, the sample input. `batched` tells which form the file had.
std::vector<Tensor> load_inputs(const CommonOptions& o, const ConfigFile& cfg, bool* batched);
// --print-config / --write-config. True when the tool stops here: --print-config
// prints the config and simulates nothing (unless --check asks for more).
bool emit_resolved_config(const CommonOptions& o, const ConfigFile& cfg);
// --check, once everything has loaded and passed its checks: prints the
// resolved config and a one-line verdict, and returns the exit status 0.
int report_check(const char* tool, const ConfigFile& cfg, const std::string& what_was_checked);

}  // namespace ddcpim::cli
