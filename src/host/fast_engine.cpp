#include "ddcpim/host/fast_engine.hpp"

#include <algorithm>
#include <chrono>

#include "ddcpim/host/mapping.hpp"
#include "ddcpim/host/schedule.hpp"

namespace ddcpim::host {

namespace {

// The host's element-wise work: ceil(operations / ops_per_cycle) cycles (Host::host_work).
void host_work(uint64_t operations, int ops_per_cycle, LayerResult& r) {
    r.events.host_ops += operations;
    r.host_cycles += (operations + uint64_t(ops_per_cycle) - 1) / uint64_t(ops_per_cycle);
}

void mac_layer(const LayerDesc& l, const LayerParams& p, const MacroParams& m, const FastOptions& o, LayerResult& r) {
    std::unique_ptr<LayerMapper> mapper = make_mapper(l, p, m);
    const MappingSummary& s = mapper->summary();
    describe_mapping(s, l, m, r);
    const LayerPlan plan = plan_layer(*mapper, m);
    r.macro_cycles = plan.span;
    r.compute = plan.total.compute;
    r.weight_load = plan.total.write;
    r.input_load = plan.total.load_wait;
    r.stall = plan.total.stall;
    r.events = plan.total.events;
    // Partial sums of row tiles, then bias, requantisation and clamp per output.
    host_work(uint64_t(l.out_shape.size()) * uint64_t(std::max(1, s.row_tiles)), o.ops_per_cycle, r);
}

}  // namespace

SimResult run_fast(const Network& net, const MacroParams& macro, const FastOptions& options) {
    const auto wall0 = std::chrono::steady_clock::now();
    SimResult result;
    result.network = net.desc.name;
    result.macro = macro;
    result.host_ops_per_cycle = options.ops_per_cycle;
    for (size_t i = 0; i < net.desc.layers.size(); ++i) {
        const LayerDesc& l = net.desc.layers[i];
        LayerResult r;
        r.name = l.name;
        r.kind = kind_name(l.kind);
        r.shape = shape_text(l.in_shape) + " -> " + shape_text(l.out_shape);
        r.macs = l.macs();
        if (l.is_mac()) {
            mac_layer(l, net.params[i], macro, options, r);
        } else {
            r.mapping = "host";
            uint64_t ops = l.kind == LayerKind::AvgPool ? uint64_t(l.in_shape.size()) : uint64_t(l.out_shape.size());
            host_work(ops, options.ops_per_cycle, r);
        }
        r.cycles = r.macro_cycles + r.host_cycles;
        result.macro_cycles += r.macro_cycles;
        result.host_cycles += r.host_cycles;
        result.total_cycles += r.cycles;
        result.layers.push_back(std::move(r));
    }
    result.macs = net.desc.total_macs();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    return result;
}

}  // namespace ddcpim::host
