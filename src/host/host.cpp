#include "ddcpim/host/host.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "ddcpim/host/interconnect.hpp"
#include "ddcpim/macro/register_map.hpp"
#include "ddcpim/ref/dump.hpp"
#include "ddcpim/ref/ops.hpp"

namespace ddcpim::host {

using namespace ddcpim::macro;

// The work of one MAC layer, shared by the macro workers.
struct Host::LayerJob {
    const LayerDesc& layer;
    const LayerMapper& mapper;
    const Tensor& input;
    LayerPlan plan;
    std::vector<int64_t> acc;
    std::map<int, Tile> tiles;  // built once per layer
    const Tile& tile(int t) {
        auto it = tiles.find(t);
        if (it == tiles.end()) it = tiles.emplace(t, mapper.tile(t)).first;
        return it->second;
    }
};

Host::Host(sc_core::sc_module_name name, const Network& net, const MacroParams& macro, const Tensor& input,
           std::vector<DdcMacro*> macros, sc_core::sc_time period, HostOptions options, SimResult& result)
    : sc_module(name),
      socket("socket"),
      m_net(net),
      m_macro(macro),
      m_geo(macro),
      m_input(input),
      m_macros(std::move(macros)),
      m_period(period),
      m_options(std::move(options)),
      m_result(result) {
    SC_HAS_PROCESS(Host);
    SC_THREAD(main);
}

void Host::access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    // The host drives the macros as documented; a refused access is a bug here.
    DDCPIM_ASSERT(t.get_response_status() == tlm::TLM_OK_RESPONSE);
}

void Host::write_reg(int m, uint32_t offset, uint32_t value) {
    access(tlm::TLM_WRITE_COMMAND, macro_address(m, offset), &value, 4);
}

void Host::host_work(uint64_t operations, LayerResult& r) {
    r.events.host_ops += operations;
    uint64_t cycles = (operations + uint64_t(m_options.ops_per_cycle) - 1) / uint64_t(m_options.ops_per_cycle);
    r.host_cycles += cycles;
    if (cycles) sc_core::wait(m_period * double(cycles));
}

void Host::worker(int m, LayerJob& job) {
    const Geometry& g = m_geo;
    const uint64_t base = macro_address(m, 0);
    int loaded = -1;
    std::vector<uint8_t> staging, lanes(size_t(2 * g.rows) * g.params.buffer_vectors);
    std::vector<int32_t> results;
    for (const Unit& u : job.plan.macros[size_t(m)].units) {
        const Tile& tile = job.tile(u.tile);
        if (loaded != u.tile) {
            // Weight rows (rows_used of them: unused rows only ever meet zero inputs).
            staging.assign(size_t(tile.rows_used) * g.row_bytes, 0);
            for (int r = 0; r < tile.rows_used; ++r)
                for (int j = 0; j < g.columns; ++j) {
                    uint32_t w = uint32_t(tile.weights[size_t(r) * g.columns + j]);
                    for (int k = 0; k < g.weight_bits; ++k)
                        if ((w >> k) & 1) {
                            int bit = j * g.weight_bits + k;
                            staging[size_t(r) * g.row_bytes + bit / 8] |= uint8_t(1u << (bit % 8));
                        }
                }
            if (!staging.empty())
                access(tlm::TLM_WRITE_COMMAND, base | region_base(Region::WeightStaging), staging.data(),
                       unsigned(staging.size()));
            if (!tile.used.empty()) {  // depthwise: which rows each column uses
                std::vector<uint8_t> masks(size_t(g.columns) * g.mask_bytes, 0);
                for (int j = 0; j < g.columns; ++j)
                    for (int r = 0; r < tile.rows_used; ++r)
                        if (tile.used[size_t(j)][size_t(r)]) masks[size_t(j) * g.mask_bytes + r / 8] |= uint8_t(1u << (r % 8));
                access(tlm::TLM_WRITE_COMMAND, base | region_base(Region::ColumnMasks), masks.data(), unsigned(masks.size()));
            }
            write_reg(m, reg::WEIGHT_FIRST_ROW, 0);
            write_reg(m, reg::WEIGHT_ROW_COUNT, uint32_t(tile.rows_used));
            write_reg(m, reg::COMMAND, kCommandLoadWeights);
            sc_core::wait(m_macros[size_t(m)]->done_event());
            loaded = u.tile;
        }
        write_reg(m, reg::MODE, tile.mode == Mode::Depthwise ? 1 : 0);
        write_reg(m, reg::INPUT_SIGNED, job.layer.in_signed ? 1 : 0);
        write_reg(m, reg::ROWS_USED, uint32_t(tile.rows_used));
        write_reg(m, reg::ACCUMULATE, 0);
        write_reg(m, reg::INPUT_SLOT, 0);
        write_reg(m, reg::OUTPUT_SLOT, 0);
        for (int first = u.first; first < u.first + u.count; first += g.params.buffer_vectors) {
            const int n = std::min(g.params.buffer_vectors, u.first + u.count - first);
            for (int i = 0; i < n; ++i) {
                uint8_t* a = &lanes[size_t(2 * i) * g.rows];
                job.mapper.input(u.tile, first + i, job.input, a, a + g.rows);
            }
            access(tlm::TLM_WRITE_COMMAND, base | region_base(Region::InputBuffer), lanes.data(),
                   unsigned(size_t(2 * n) * g.rows));
            write_reg(m, reg::VECTOR_COUNT, uint32_t(n));
            write_reg(m, reg::COMMAND, kCommandRun);
            sc_core::wait(m_macros[size_t(m)]->done_event());
            results.resize(size_t(n) * g.slot_values());
            access(tlm::TLM_READ_COMMAND, base | region_base(Region::OutputBuffer), results.data(),
                   unsigned(results.size() * 4));
            m_values_read += uint64_t(n) * g.slot_values();
            for (int i = 0; i < n; ++i)
                job.mapper.scatter(u.tile, first + i, &results[size_t(i) * g.slot_values()], job.acc);
        }
    }
}

void Host::run_mac_layer(size_t index, const Tensor& in, Tensor& out, LayerResult& r, std::vector<int32_t>& acc32) {
    const LayerDesc& l = m_net.desc.layers[index];
    const LayerParams& p = m_net.params[index];
    std::unique_ptr<LayerMapper> mapper = make_mapper(l, p, m_macro);
    const MappingSummary& s = mapper->summary();
    describe_mapping(s, l, m_macro, r);
    LayerJob job{l, *mapper, in, plan_layer(*mapper, m_macro), std::vector<int64_t>(size_t(l.out_shape.size()), 0), {}};
    const int macros = int(m_macros.size());
    struct Snapshot {
        uint64_t compute, write, stall, load_wait;
        cost::Events events;
    };
    auto snapshot = [&](int m) {
        const DdcMacro& mc = *m_macros[size_t(m)];
        cost::Events e;
        e.cell_products = mc.trees.stats().bit_ops;
        e.tree_evaluations = mc.trees.stats().frames * uint64_t(m_geo.bit_columns) * (m_macro.complementary ? 2 : 1);
        e.accumulator_updates = mc.accumulators.stats().updates;
        e.corrections = mc.reconfigurable.stats().corrections;
        e.rows_written = mc.array.stats().rows_written;
        e.input_bits = mc.driver.stats().bits_moved;
        return Snapshot{mc.driver.stats().compute_cycles, mc.array.stats().write_cycles, mc.driver.stats().stall_cycles,
                        mc.driver.stats().load_wait_cycles, e};
    };
    std::vector<Snapshot> before;
    for (int m = 0; m < macros; ++m) before.push_back(snapshot(m));
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    std::vector<sc_core::sc_process_handle> workers;
    for (int m = 0; m < macros; ++m)
        workers.push_back(sc_core::sc_spawn([this, m, &job] { worker(m, job); }, fmt::format("worker_{}_{}", index, m).c_str()));
    for (auto& w : workers)
        if (!w.terminated()) sc_core::wait(w.terminated_event());
    r.macro_cycles = uint64_t((sc_core::sc_time_stamp() - t0) / m_period);
    for (int m = 0; m < macros; ++m) {
        Snapshot a = snapshot(m), b = before[size_t(m)];
        r.compute += a.compute - b.compute;
        r.weight_load += a.write - b.write;
        r.input_load += a.load_wait - b.load_wait;
        r.stall += (a.stall - b.stall) - (a.load_wait - b.load_wait);
        r.events += a.events - b.events;
    }
    r.events.output_values += m_values_read;
    m_values_read = 0;

    acc32.resize(job.acc.size());
    for (size_t i = 0; i < acc32.size(); ++i) {
        DDCPIM_ASSERT(job.acc[i] >= INT32_MIN && job.acc[i] <= INT32_MAX);
        acc32[i] = int32_t(job.acc[i]);
    }
    // Partial sums of row tiles, then bias, requantisation and clamp per output.
    host_work(uint64_t(l.out_shape.size()) * uint64_t(std::max(1, s.row_tiles)), r);
    out = ref::mac_output(l, p, acc32);
}

void Host::main() {
    // A user's error met inside the simulation (e.g. an unwritable dump file)
    // ends this host's run and is reported by the tool, not by the kernel.
    try {
        run_network();
    } catch (const UserError& e) {
        m_result.error = e.what();
    }
    m_finished = true;
    m_finished_event.notify();
}

void Host::run_network() {
    const auto& layers = m_net.desc.layers;
    const auto wall0 = std::chrono::steady_clock::now();
    std::vector<Tensor> outputs(layers.size());
    std::vector<size_t> last_use(layers.size(), layers.size());
    for (size_t i = 0; i < layers.size(); ++i)
        for (int id : layers[i].input_ids)
            if (id >= 0) last_use[size_t(id)] = i;
    std::optional<LayerDumper> dumper;
    if (!m_options.dump_dir.empty()) dumper.emplace(m_net, m_options.dump_dir);
    m_result.verified = m_options.verify;
    m_result.verify_requested = m_options.verify;
    std::vector<int32_t> acc;
    for (size_t i = 0; i < layers.size(); ++i) {
        if (m_options.progress) m_options.progress(i, layers.size());
        const LayerDesc& l = layers[i];
        std::vector<const Tensor*> ins;
        for (int id : l.input_ids) ins.push_back(id < 0 ? &m_input : &outputs[size_t(id)]);
        LayerResult r;
        r.name = l.name;
        r.kind = kind_name(l.kind);
        r.shape = shape_text(l.in_shape) + " -> " + shape_text(l.out_shape);
        r.macs = l.macs();
        const sc_core::sc_time t0 = sc_core::sc_time_stamp();
        if (l.is_mac()) {
            run_mac_layer(i, *ins[0], outputs[i], r, acc);
            if (m_options.verify) {
                std::vector<int32_t> expect = ref::mac_accumulate(l, m_net.params[i].weight, *ins[0]);
                for (size_t k = 0; k < expect.size() && m_result.mismatch.empty(); ++k)
                    if (expect[k] != acc[k]) {
                        const Shape& o = l.out_shape;
                        int c = int(k / (size_t(o.h) * o.w)), y = int(k / o.w % o.h), x = int(k % o.w);
                        m_result.mismatch = fmt::format("layer '{}' ({}), accumulator [{}, {}, {}]: simulated {}, reference {}",
                                                        l.name, i, c, y, x, acc[k], expect[k]);
                        m_result.verified = false;
                    }
            }
            if (dumper) dumper->dump(i, *ins[0], acc);
        } else {
            r.mapping = "host";
            outputs[i] = ref::run_non_mac(l, m_net.params[i], ins);
            uint64_t ops = l.kind == LayerKind::AvgPool ? uint64_t(l.in_shape.size()) : uint64_t(l.out_shape.size());
            host_work(ops, r);
        }
        r.cycles = uint64_t((sc_core::sc_time_stamp() - t0) / m_period);
        m_result.layers.push_back(r);
        m_result.macro_cycles += r.macro_cycles;
        m_result.host_cycles += r.host_cycles;
        for (int id : l.input_ids)
            if (id >= 0 && last_use[size_t(id)] == i) outputs[size_t(id)] = Tensor();
        if (!m_result.mismatch.empty()) break;  // --verify stops at the first mismatch
    }
    m_result.output = std::move(outputs.back());
    m_result.total_cycles = uint64_t(sc_core::sc_time_stamp() / m_period);
    m_result.macs = m_net.desc.total_macs();
    m_result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
}

}  // namespace ddcpim::host
