#include "ddcpim/config/macro_params.hpp"

#include <cmath>

#include <fmt/format.h>

namespace ddcpim {

const std::vector<MacroParamDecl>& macro_param_decls() {
    using P = MacroParams;
    static const std::vector<MacroParamDecl> decls = {
        {"rows", "wordlines R: products summed per column per compute cycle", &P::rows, 1, 65536, {}},
        {"weight_columns", "weight columns N; each is weight_bits physical bit-columns", &P::weight_columns, 1, 4096, {}},
        {"weight_bits", "weight precision Bw (signed two's complement)", &P::weight_bits, 2, 8, {}},
        {"input_bits", "activation precision Ba entering the macro", &P::input_bits, 2, 8, {}},
        {"complementary", "store a complementary filter in Q-bar (DDC) or leave it unused (baseline)", &P::complementary, 0, 0, {}},
        {"dual_broadcast", "two input lanes per row, A for Q and B for Q-bar, so depthwise pairs can use Q-bar (DDC); or one lane", &P::dual_broadcast, 0, 0, {}},
        {"dw_mapping", "depthwise mapping: toeplitz (DDC), diagonal (baseline), or auto (per layer, the one with fewer cycles, the weights' reads included when they stream)", &P::dw_mapping, 0, 0, {"toeplitz", "diagonal", "auto"}},
        {"segment_rows", "adder-tree tap size in depthwise mode (a power of 2 dividing rows)", &P::segment_rows, 1, 65536, {}},
        {"adder_pipeline", "register stages in each adder tree", &P::adder_pipeline, 0, 64, {}},
        {"write_rows_per_cycle", "SRAM rows written per cycle (a row is weight_columns*weight_bits bits)", &P::write_rows_per_cycle, 1, 65536, {}},
        {"input_bus_bits", "input buffer to driver bandwidth, bits per cycle", &P::input_bus_bits, 1, 1 << 20, {}},
        {"clock_mhz", "clock frequency in MHz, for times and TOPS", &P::clock_mhz, 1e-3, 1e5, {}},
        {"macros", "macros in the system, fed by one host", &P::macros, 1, 4096, {}},
        {"buffer_vectors", "input vectors the input buffer holds, and result slots of the output buffer", &P::buffer_vectors, 1, 65536, {}},
        {"tree_sharing", "one adder tree per bit-column serves the Q and the Q-bar side in turn (half the trees; a tile with pairs takes two cycles per input bit); or one tree per side", &P::tree_sharing, 0, 0, {}},
        {"supply_v", "supply voltage in V for energy (dynamic ~ V^2, leakage ~ V) and the clock limit (alpha-power law); 0: the technology's nominal", &P::supply_v, 0, 5, {}},
    };
    return decls;
}

MacroParams MacroParams::as_baseline() const {
    MacroParams b = *this;
    b.complementary = false;
    b.dual_broadcast = false;
    b.dw_mapping = "diagonal";
    b.tree_sharing = false;
    return b;
}

std::string macro_param_default_text(const MacroParamDecl& d) {
    MacroParams def;
    return std::visit(
        [&](auto member) -> std::string {
            const auto& v = def.*member;
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
            else return fmt::format("{}", v);
        },
        d.member);
}

MacroParams parse_macro_params(const StrictNode& node) {
    MacroParams p;
    if (node.raw().IsNull()) return p;
    node.expect_map();
    for (const auto& d : macro_param_decls()) {
        auto c = node.optional_child(d.name);
        if (!c) continue;
        std::visit(
            [&](auto member) {
                auto& v = p.*member;
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, bool>) v = c->as_bool();
                else if constexpr (std::is_same_v<T, int>) v = static_cast<int>(c->as_int(int64_t(d.min), int64_t(d.max)));
                else if constexpr (std::is_same_v<T, double>) v = c->as_double(d.min, d.max);
                else v = c->as_choice(d.choices);
            },
            d.member);
    }
    node.reject_unknown_keys();
    validate_macro_params(p, node);
    return p;
}

void validate_macro_params(const MacroParams& p, const StrictNode& where) {
    auto fail = [&](const std::string& key, const std::string& what) {
        SourceLocation loc = where.location();
        loc.key = where.path().empty() ? key : where.path() + "." + key;
        throw UserError(loc, what);
    };
    auto pow2 = [](int v) { return v > 0 && (v & (v - 1)) == 0; };
    if (!pow2(p.segment_rows))
        fail("segment_rows", fmt::format("expected a power of 2, got {}", p.segment_rows));
    if (p.segment_rows > p.rows || p.rows % p.segment_rows != 0)
        fail("segment_rows", fmt::format("expected a divisor of rows ({}), got {}", p.rows, p.segment_rows));
    // int32 results: the largest |dot product| of a column must fit.
    if (double(p.rows) * std::ldexp(1.0, p.input_bits) * std::ldexp(1.0, p.weight_bits - 1) >= 2147483648.0)
        fail("rows", fmt::format("{} rows of {}-bit inputs and {}-bit weights can overflow the 32-bit results",
                                 p.rows, p.input_bits, p.weight_bits));
    if (p.complementary == false && p.tree_sharing == true)
        fail("tree_sharing", "the trees are shared between the Q and the Q-bar side, which complementary: false "
                             "leaves unused; set tree_sharing: false too");
    if (p.complementary == false && p.dual_broadcast == true)
        fail("dual_broadcast", "lane B drives the Q-bar side, which complementary: false leaves unused; "
                               "set dual_broadcast: false too");
}

YAML::Node macro_params_to_yaml(const MacroParams& p) {
    YAML::Node n(YAML::NodeType::Map);
    for (const auto& d : macro_param_decls())
        std::visit([&](auto member) { n[d.name] = p.*member; }, d.member);
    return n;
}

}  // namespace ddcpim
