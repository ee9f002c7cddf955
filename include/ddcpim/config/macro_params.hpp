// The macro's parameters (ARCHITECTURE section 4), declared once in a table
// with name, description, default and range. Parsing and the resolved-config
// output come from that table; a test checks docs/config.md against it.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "ddcpim/config/strict_node.hpp"

namespace ddcpim {

struct MacroParams {
    int rows = 256;                    // wordlines summed per column per cycle
    int weight_columns = 32;           // weight columns, each weight_bits bit-columns
    int weight_bits = 8;               // Bw
    int input_bits = 8;                // Ba
    bool complementary = true;         // use Q-bar (DDC) or not (baseline)
    bool dual_broadcast = true;        // two input lanes per row (DDC) or one
    std::string dw_mapping = "toeplitz";  // toeplitz (DDC) or diagonal (baseline)
    int segment_rows = 64;             // adder-tree tap size in depthwise mode
    int adder_pipeline = 2;            // register stages per adder tree
    int write_rows_per_cycle = 1;      // SRAM write bandwidth
    int input_bus_bits = 256;          // input buffer to driver bits per cycle
    double clock_mhz = 200;            // for times and TOPS
    int macros = 1;                    // macros fed by one host
    int buffer_vectors = 16;           // input vectors (and output slots) the buffers hold
    double supply_v = 0;               // supply voltage; 0: the technology file's nominal
    bool tree_sharing = false;         // one adder tree per bit-column serves Q and Q-bar in turn

    // The PIM baseline of ARCHITECTURE section 5 on the same array.
    MacroParams as_baseline() const;
};

struct MacroParamDecl {
    const char* name;
    const char* description;
    std::variant<int MacroParams::*, bool MacroParams::*, double MacroParams::*,
                 std::string MacroParams::*>
        member;
    double min = 0;  // numeric range (inclusive)
    double max = 0;
    std::vector<std::string> choices;  // for string parameters
};

const std::vector<MacroParamDecl>& macro_param_decls();

// Reads the `macro:` node: every key optional (defaults above), unknown keys
// and cross-parameter violations are UserErrors naming the key.
MacroParams parse_macro_params(const StrictNode& node);
void validate_macro_params(const MacroParams& p, const StrictNode& where);
YAML::Node macro_params_to_yaml(const MacroParams& p);
std::string macro_param_default_text(const MacroParamDecl& d);

}  // namespace ddcpim
