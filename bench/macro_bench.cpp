// ddcpim_bench: speed of the clocked macro model on back-to-back pointwise
// MVMs (default macro: 256 rows x 32 columns x 8-bit), against the same
// bit-level work in a plain loop without SystemC (the bound the model can
// approach). Not a test: the figures go in the README.
//   ddcpim_bench [MVMS] [--set KEY=VALUE]...
#include <systemc>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include <CLI/CLI.hpp>

#include "ddcpim/common/rng.hpp"
#include "ddcpim/config/overrides.hpp"
#include "ddcpim/macro/cell_multipliers.hpp"
#include "ddcpim/macro/ddc_macro.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

namespace {

class Host : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Host> socket{"socket"};
    Host(sc_core::sc_module_name n, DdcMacro& m, long mvms) : sc_module(n), m_macro(m), m_mvms(mvms) {
        SC_HAS_PROCESS(Host);
        SC_THREAD(run);
    }
    double wall = 0;
    uint64_t cycles = 0;

private:
    void access(tlm::tlm_command c, uint64_t addr, void* data, unsigned len) {
        tlm::tlm_generic_payload t;
        t.set_command(c);
        t.set_address(addr);
        t.set_data_ptr(static_cast<unsigned char*>(data));
        t.set_data_length(len);
        t.set_streaming_width(len);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        socket->b_transport(t, d);
    }
    void write_reg(uint32_t off, uint32_t v) { access(tlm::TLM_WRITE_COMMAND, off, &v, 4); }
    void run() {
        const Geometry& g = m_macro.geometry();
        Rng rng(1);
        std::vector<uint8_t> staging(size_t(g.rows) * g.row_bytes), inputs(size_t(region_size(Region::InputBuffer, g)));
        for (auto& b : staging) b = uint8_t(rng.below(256));
        for (auto& b : inputs) b = uint8_t(rng.below(256));
        access(tlm::TLM_WRITE_COMMAND, region_base(Region::WeightStaging), staging.data(), unsigned(staging.size()));
        access(tlm::TLM_WRITE_COMMAND, region_base(Region::InputBuffer), inputs.data(), unsigned(inputs.size()));
        write_reg(reg::WEIGHT_ROW_COUNT, uint32_t(g.rows));
        write_reg(reg::COMMAND, kCommandLoadWeights);
        wait(m_macro.done_event());
        const int batch = g.params.buffer_vectors;
        write_reg(reg::VECTOR_COUNT, uint32_t(batch));
        write_reg(reg::INPUT_SIGNED, 1);
        uint64_t c0 = m_macro.controller.busy_cycles();
        auto t0 = std::chrono::steady_clock::now();
        for (long done = 0; done < m_mvms; done += batch) {
            write_reg(reg::COMMAND, kCommandRun);
            wait(m_macro.done_event());
        }
        wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        cycles = m_macro.controller.busy_cycles() - c0;
        sc_core::sc_stop();
    }
    DdcMacro& m_macro;
    long m_mvms;
};

// The same bit-level work without SystemC, with the model's data layout
// (word-major cells, so each lane word sweeps all bit-columns contiguously):
// per compute cycle, AND and count every bit-column on both sides, then
// shift-accumulate per column.
double plain_loop(const Geometry& g, long mvms, int64_t& checksum) {
    Rng rng(2);
    std::vector<uint64_t> q(size_t(g.bit_columns) * g.words), a(size_t(g.input_bits) * g.words), b(a.size());
    for (auto& w : q) w = rng.next();
    for (auto& w : a) w = rng.next();
    b = a;
    std::vector<int32_t> sa(size_t(g.bit_columns)), sb(size_t(g.bit_columns));
    std::vector<int64_t> acc(size_t(2 * g.columns));
    auto t0 = std::chrono::steady_clock::now();
    for (long m = 0; m < mvms; ++m) {
        std::fill(acc.begin(), acc.end(), 0);
        for (int t = 0; t < g.input_bits; ++t) {
            const uint64_t* la = &a[size_t(t) * g.words];
            const uint64_t* lb = &b[size_t(t) * g.words];
            std::fill(sa.begin(), sa.end(), 0);
            std::fill(sb.begin(), sb.end(), 0);
            for (int w = 0; w < g.words; ++w) {
                const uint64_t* row = &q[size_t(w) * g.bit_columns];
                const uint64_t aw = la[w], bw = lb[w];
                for (int c = 0; c < g.bit_columns; ++c) sa[size_t(c)] += popcount(aw & row[c]);
                for (int c = 0; c < g.bit_columns; ++c) sb[size_t(c)] += popcount(bw & ~row[c]);
            }
            int64_t tw = t == g.input_bits - 1 ? -(int64_t(1) << t) : (int64_t(1) << t);
            for (int j = 0; j < g.columns; ++j) {
                int64_t va = 0, vb = 0;
                for (int k = 0; k < g.weight_bits; ++k) {
                    int64_t wk = k == g.weight_bits - 1 ? -(int64_t(1) << k) : (int64_t(1) << k);
                    va += wk * sa[size_t(j * g.weight_bits + k)];
                    vb += wk * sb[size_t(j * g.weight_bits + k)];
                }
                acc[size_t(j)] += tw * va;
                acc[size_t(g.columns + j)] += tw * vb;
            }
        }
        checksum += acc[size_t(m % (2 * g.columns))];
        a[size_t(m % a.size())] ^= uint64_t(m);  // keep the compiler from hoisting the work
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// SystemC's banner is noise in a tool's output (as in ddcpim_sim).
int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char** argv) {
    long mvms = 20000;
    std::vector<std::string> set_texts;
    CLI::App app{"ddcpim_bench: speed of the clocked SystemC macro model on back-to-back pointwise MVMs, beside a plain "
                 "loop doing the same bit-level work"};
    app.add_option("mvms", mvms, "MVMs to run")->check(CLI::Range(1L, 1000000000L))->capture_default_str();
    app.add_option("--set", set_texts, "a macro parameter, macro.KEY=VALUE (repeatable)");
    app.footer("Example:\n  build/bin/ddcpim_bench 50000 --set macro.rows=512 --set macro.input_bus_bits=512");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    MacroParams p;
    try {
        std::vector<Override> sets;
        for (const auto& s : set_texts) sets.push_back(parse_override(s));
        YAML::Node root(YAML::NodeType::Map);
        root["macro"] = YAML::Node(YAML::NodeType::Map);
        apply_overrides(root, sets);
        p = parse_macro_params(StrictNode(root["macro"], "--set", "macro"));
    } catch (const UserError& e) {
        std::fprintf(stderr, "ddcpim_bench: error: %s\n", e.what());
        return 2;
    }
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_clock clk("clk", sc_core::sc_time(1000.0 / p.clock_mhz, sc_core::SC_NS));
    DdcMacro macro("macro", p);
    macro.clk(clk);
    Host host("host", macro, mvms);
    host.socket.bind(macro.socket);
    sc_core::sc_start();

    const Geometry& g = macro.geometry();
    const double macs_per_mvm = double(g.rows) * g.columns * (g.complementary ? 2 : 1);
    const long done = (mvms + g.params.buffer_vectors - 1) / g.params.buffer_vectors * g.params.buffer_vectors;
    int64_t checksum = 0;
    double plain = plain_loop(g, done, checksum);
    const double compute_cycles = double(done) * g.input_bits;
    std::printf("macro: %d rows x %d columns x %d-bit weights, %d-bit inputs, both sides: %s\n", g.rows, g.columns,
                g.weight_bits, g.input_bits, g.complementary ? "yes" : "no");
    std::printf("MVMs: %ld back to back (%d per run command), %llu simulated cycles in %.3f s\n", done,
                g.params.buffer_vectors, (unsigned long long)host.cycles, host.wall);
    std::printf("simulated cycles/s: %.0f\n", double(host.cycles) / host.wall);
    std::printf("simulated MACs/s: %.3g (8-bit MACs, %.0f per MVM)\n", done * macs_per_mvm / host.wall, macs_per_mvm);
    std::printf("plain loop, same bit-level work: %.3f s, %.0f compute cycles/s, %.3g MACs/s (checksum %lld)\n", plain,
                compute_cycles / plain, done * macs_per_mvm / plain, (long long)checksum);
    std::printf("model / plain-loop time: %.2fx\n", host.wall / plain);
    return 0;
}
