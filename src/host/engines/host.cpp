#include "ddcpim/host/host.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "ddcpim/host/interconnect.hpp"
#include "ddcpim/host/verifier.hpp"
#include "ddcpim/macro/register_map.hpp"
#include "ddcpim/memory/weight_memory.hpp"
#include "ddcpim/ref/dump.hpp"
#include "ddcpim/ref/ops.hpp"

namespace ddcpim::host {

using namespace ddcpim::macro;

// What the host and its workers share during a run.
struct Host::State {
    SystemPlan plan;
    Timeline time;
    size_t images = 0, layers = 0;
    // Per image and layer.
    std::vector<std::vector<Tensor>> outputs;
    std::vector<std::vector<std::vector<int64_t>>> acc;  // MAC layers' accumulators while their units run
    std::vector<std::vector<char>> known;                // the input's ready edge is known
    std::vector<std::vector<int>> producers_left, parts_left, consumers_left;
    sc_core::sc_event known_event;   // some input became known
    sc_core::sc_event ready_event;   // some host task became ready
    std::set<std::tuple<uint64_t, size_t, size_t>> ready;  // host tasks: (ready edge, image, layer)
    // The weights' place in the off-chip memory, per layer and tile.
    std::vector<std::vector<uint64_t>> memory_offset;
    std::vector<std::vector<char>> stored;                          // put in the memory yet
    std::vector<std::vector<std::vector<std::vector<bool>>>> used;  // depthwise tiles' column masks (Tile::used)
    std::vector<std::vector<uint8_t>> masks;  // per macro: the column masks it holds
    // system.power_gating, per macro: not yet woken (its first load's read wakes it), and the edge its
    // first wake-up began (fast_engine.cpp's Replay::wake_for_load).
    std::vector<char> off;
    std::vector<uint64_t> wake_start;
    std::optional<LayerDumper> dumper;
    std::optional<Verifier> verifier;  // --verify
    size_t tasks_done = 0;
    std::vector<int32_t> acc32;
};

Host::Host(sc_core::sc_module_name name, const Network& net, const MacroParams& macro, const std::vector<Tensor>& inputs,
           std::vector<DdcMacro*> macros, sc_core::sc_time period, HostOptions options, SimResult& result)
    : sc_module(name),
      socket("socket"),
      m_net(net),
      m_macro(macro),
      m_geo(macro),
      m_inputs(inputs),
      m_macros(std::move(macros)),
      m_period(period),
      m_options(std::move(options)),
      m_result(result) {
    DDCPIM_ASSERT(int(m_inputs.size()) == m_options.system.images);
    SC_HAS_PROCESS(Host);
    SC_THREAD(main);
}

Host::~Host() = default;

sc_core::sc_time Host::access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len, int requester) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    memory::Requester who(requester);
    if (requester >= 0) t.set_extension(&who);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    if (requester >= 0) t.clear_extension(&who);
    // The host drives the macros and the memory as documented; a refused access is a bug here.
    DDCPIM_ASSERT(t.get_response_status() == tlm::TLM_OK_RESPONSE);
    return delay;
}

void Host::write_reg(int m, uint32_t offset, uint32_t value) {
    access(tlm::TLM_WRITE_COMMAND, macro_address(m, offset), &value, 4);
}

uint64_t Host::now_edge() const {
    const double e = sc_core::sc_time_stamp() / m_period;
    return uint64_t(std::llround(e));
}

void Host::sync_to(uint64_t edge) {
    const sc_core::sc_time at = m_period * double(edge);
    if (sc_core::sc_time_stamp() < at) sc_core::wait(at - sc_core::sc_time_stamp());
}

void Host::main() {
    // A user's error met inside the simulation (e.g. an unwritable dump file)
    // ends this host's run and is reported by the tool, not by the kernel.
    try {
        run();
    } catch (const UserError& e) {
        m_result.error = e.what();
    }
    m_finished = true;
    m_finished_event.notify();
}

// Runs unit u of image `image` on macro m (image < 0: a placement load).
void Host::run_unit(int m, int image, const WorkUnit& u, bool last_of_item) {
    State& s = *m_state;
    const Geometry& g = m_geo;
    const LayerMapper& mapper = *s.plan.mappers[size_t(u.layer)];
    const LayerDesc& l = m_net.desc.layers[size_t(u.layer)];
    LayerResult& lr = m_result.layers[size_t(u.layer)];
    const TileShape& shape = s.plan.placement.layers[size_t(u.layer)].tiles[size_t(u.tile)];
    const uint64_t base = macro_address(m, 0);
    DdcMacro& mc = *m_macros[size_t(m)];

    // The events the macro's blocks have counted so far.
    auto events = [&] {
        cost::Events e;
        e.cell_products = mc.trees.stats().bit_ops;
        e.tree_evaluations = mc.trees.stats().evaluations;
        e.accumulator_updates = mc.accumulators.stats().updates;
        e.corrections = mc.reconfigurable.stats().corrections;
        e.rows_written = mc.array.stats().rows_written;
        e.input_bits = mc.driver.stats().bits_moved;
        e.lane_a_bits = mc.driver.stats().lane_a_bits;
        e.input_ones_a = mc.driver.stats().ones_a;
        e.input_ones_b = mc.driver.stats().ones_b;
        e.product_ones_q = mc.trees.stats().ones_q;
        e.product_ones_qbar = mc.trees.stats().ones_qbar;
        e.write_toggles = mc.array.stats().bits_toggled;
        return e;
    };
    // A command's counts go to its layer: the macro runs nothing else meanwhile.
    auto command = [&](uint32_t code) {
        const uint64_t busy0 = mc.controller.busy_cycles(), compute0 = mc.driver.stats().compute_cycles,
                       write0 = mc.array.stats().write_cycles, stall0 = mc.driver.stats().stall_cycles,
                       wait0 = mc.driver.stats().load_wait_cycles;
        const cost::Events e0 = events();
        DDCPIM_ASSERT(!s.off[size_t(m)]);  // a gated macro's first command is a load with a read
        write_reg(m, reg::COMMAND, code);
        sc_core::wait(mc.done_event());
        lr.events += events() - e0;
        m_result.macro_busy_cycles[size_t(m)] += mc.controller.busy_cycles() - busy0;
        m_result.macro_on_cycles[size_t(m)] =
            now_edge() + 1 - m_result.macro_sleep_cycles[size_t(m)] - s.wake_start[size_t(m)];  // so far
        lr.compute += mc.driver.stats().compute_cycles - compute0;
        lr.weight_load += mc.array.stats().write_cycles - write0;
        const uint64_t waited = mc.driver.stats().load_wait_cycles - wait0;
        lr.input_load += waited;
        lr.stall += (mc.driver.stats().stall_cycles - stall0) - waited;
    };

    if (u.load) {
        const size_t li = size_t(u.layer), ti = size_t(u.tile);
        const int rows_used = shape.rows_used;
        if (!s.stored[li][ti]) {
            // First use: the tile's weight rows (rows_used of them: unused rows only ever meet zero inputs)
            // are put in the off-chip memory in zero time, and its column masks kept; every load, this one
            // too, then reads the rows from the memory on the clock.
            const Tile tile = mapper.tile(u.tile);
            DDCPIM_ASSERT(tile.rows_used == rows_used);
            std::vector<uint8_t> rows(size_t(rows_used) * g.row_bytes, 0);
            for (int r = 0; r < rows_used; ++r)
                for (int j = 0; j < g.columns; ++j) {
                    uint32_t w = uint32_t(tile.weights[size_t(r) * g.columns + j]);
                    for (int k = 0; k < g.weight_bits; ++k)
                        if ((w >> k) & 1) {
                            int bit = j * g.weight_bits + k;
                            rows[size_t(r) * g.row_bytes + bit / 8] |= uint8_t(1u << (bit % 8));
                        }
                }
            if (!rows.empty()) {
                tlm::tlm_generic_payload t;
                t.set_command(tlm::TLM_WRITE_COMMAND);
                t.set_address(memory_address(s.memory_offset[li][ti]));
                t.set_data_ptr(rows.data());
                t.set_data_length(unsigned(rows.size()));
                DDCPIM_ASSERT(socket->transport_dbg(t) == rows.size());
            }
            s.used[li][ti] = tile.used;
            s.stored[li][ti] = 1;
        }
        if (rows_used > 0) {
            std::vector<uint8_t> staged(size_t(rows_used) * g.row_bytes);
            access(tlm::TLM_READ_COMMAND, memory_address(s.memory_offset[li][ti]), staged.data(), unsigned(staged.size()), m);
            if (s.off[size_t(m)]) {
                // Power-gated, the grant of the macro's first read wakes it, to be up when the data is there
                // (now), or wake_cycles after the grant if the read is shorter.
                const uint64_t data = now_edge(), wake = s.plan.options.wake_cycles;
                const uint64_t grant = data - uint64_t(s.plan.options.memory.latency) -
                                       memory_beats(s.plan.options.memory, staged.size());
                s.off[size_t(m)] = 0;
                s.wake_start[size_t(m)] = std::max(grant, data > wake ? data - wake : 0);
                sync_to(std::max(data, grant + wake));
            }
            lr.events.offchip_bits += 8 * uint64_t(staged.size());
            if (image < 0) m_result.placement_bits += 8 * uint64_t(staged.size());
            access(tlm::TLM_WRITE_COMMAND, base | (region_base(Region::WeightStaging) + uint64_t(u.row_base) * g.row_bytes),
                   staged.data(), unsigned(staged.size()));
        }
        const std::vector<std::vector<bool>>& used = s.used[li][ti];
        if (!used.empty()) {  // depthwise: which rows each column uses, in this tile's window
            std::vector<uint8_t>& masks = s.masks[size_t(m)];
            const int rows_taken = tile_footprint(shape, m_macro);
            for (int j = 0; j < g.columns; ++j)
                for (int r = 0; r < rows_taken; ++r) {
                    const int row = u.row_base + r;
                    uint8_t& byte = masks[size_t(j) * g.mask_bytes + row / 8];
                    const uint8_t bit = uint8_t(1u << (row % 8));
                    byte = r < rows_used && used[size_t(j)][size_t(r)] ? uint8_t(byte | bit) : uint8_t(byte & ~bit);
                }
            access(tlm::TLM_WRITE_COMMAND, base | region_base(Region::ColumnMasks), masks.data(), unsigned(masks.size()));
        }
        write_reg(m, reg::WEIGHT_FIRST_ROW, uint32_t(u.row_base));
        write_reg(m, reg::WEIGHT_ROW_COUNT, uint32_t(rows_used));
        command(kCommandLoadWeights);
    }
    if (u.count == 0) return;

    const int image_index = image;
    const Tensor& input = [&]() -> const Tensor& {
        const int id = l.input_ids[0];
        return id < 0 ? m_inputs[size_t(image_index)] : s.outputs[size_t(image_index)][size_t(id)];
    }();
    std::vector<int64_t>& acc = s.acc[size_t(image)][size_t(u.layer)];
    write_reg(m, reg::MODE, (shape.mode == Mode::Depthwise ? 1u : 0u) | (shape.partner_lane ? 2u : 0u) |
                                (shape.uses_qbar ? 4u : 0u));
    write_reg(m, reg::INPUT_SIGNED, l.in_signed ? 1 : 0);
    write_reg(m, reg::ROWS_USED, uint32_t(shape.rows_used));
    write_reg(m, reg::ROW_BASE, uint32_t(u.row_base));
    write_reg(m, reg::ACCUMULATE, 0);
    write_reg(m, reg::INPUT_SLOT, 0);
    write_reg(m, reg::OUTPUT_SLOT, 0);
    const int lanes = input_lanes(m_macro, shape);
    const uint64_t values = result_values(m_macro, shape.mode);
    // A depthwise tile from a segment boundary: its segment 0 is the array's segment row_base / S_rows.
    const size_t shift = shape.mode == Mode::Depthwise ? size_t(u.row_base / m_macro.segment_rows) * 2 * g.columns : 0;
    std::vector<uint8_t> lane(size_t(2 * g.rows));
    std::vector<int32_t> results(size_t(g.params.buffer_vectors) * g.slot_values());
    for (int first = u.first; first < u.first + u.count; first += g.params.buffer_vectors) {
        const int n = std::min(g.params.buffer_vectors, u.first + u.count - first);
        // Inputs over the link: one transaction per vector and lane.
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        for (int i = 0; i < n; ++i) {
            mapper.input(u.tile, first + i, input, lane.data(), lane.data() + g.rows);
            const uint64_t slot = region_base(Region::InputBuffer) + uint64_t(2 * i) * g.rows;
            if (shape.rows_used > 0) {
                delay += access(tlm::TLM_WRITE_COMMAND, base | slot, lane.data(), unsigned(shape.rows_used));
                if (lanes == 2)
                    delay += access(tlm::TLM_WRITE_COMMAND, base | (slot + g.rows), lane.data() + g.rows,
                                    unsigned(shape.rows_used));
            }
        }
        lr.events.link_bits += 8 * uint64_t(n) * uint64_t(lanes) * uint64_t(shape.rows_used);
        if (delay != sc_core::SC_ZERO_TIME) sc_core::wait(delay);
        write_reg(m, reg::VECTOR_COUNT, uint32_t(n));
        command(kCommandRun);
        // Results back over the link: one transaction per vector.
        delay = sc_core::SC_ZERO_TIME;
        for (int i = 0; i < n; ++i)
            delay += access(tlm::TLM_READ_COMMAND,
                            base | (region_base(Region::OutputBuffer) + uint64_t(i) * g.slot_values() * 4),
                            &results[size_t(i) * g.slot_values()], unsigned(values * 4));
        lr.events.link_bits += 8 * 4 * uint64_t(n) * values;
        lr.events.output_values += uint64_t(n) * uint64_t(g.slot_values());
        for (int i = 0; i < n; ++i) mapper.scatter(u.tile, first + i, &results[size_t(i) * g.slot_values()] + shift, acc);
        const bool last = last_of_item && first + n >= u.first + u.count;
        if (last) {
            // The host learns now when this macro's part will be back.
            const uint64_t back = now_edge() + uint64_t(std::llround(delay / m_period));
            uint64_t& d = s.time.macros_done[size_t(image)][size_t(u.layer)];
            d = std::max(d, back);
            if (--s.parts_left[size_t(image)][size_t(u.layer)] == 0) {
                s.ready.insert({d, size_t(image), size_t(u.layer)});
                s.ready_event.notify();
            }
        }
        if (delay != sc_core::SC_ZERO_TIME) sc_core::wait(delay);
    }
}

void Host::worker(int m) {
    State& s = *m_state;
    // Power-gated, a macro starts off: one with work wakes for its first tile's read (run_unit); one
    // without stays off.
    bool work = !s.plan.placement_loads[size_t(m)].empty();
    for (size_t l = 0; l < s.layers; ++l) work = work || !s.plan.units[l][size_t(m)].empty();
    s.off[size_t(m)] = s.plan.options.system.power_gating && work;
    for (const WorkUnit& u : s.plan.placement_loads[size_t(m)]) run_unit(m, -1, u, false);
    for (size_t i = 0; i < s.images; ++i)
        for (size_t l = 0; l < s.layers; ++l) {
            const std::vector<WorkUnit>& units = s.plan.units[l][size_t(m)];
            if (units.empty()) continue;
            // system.prefetch: the first tile loads before the input is known; its runs wait for it.
            const bool early = s.plan.options.system.prefetch && units.front().load;
            if (early) {
                WorkUnit load_only = units.front();
                load_only.count = 0;
                run_unit(m, int(i), load_only, false);
            }
            const uint64_t free = now_edge();
            while (!s.known[i][l]) sc_core::wait(s.known_event);
            // Power-gated, a macro idle for longer than its wake-up sleeps until the input is ready, then
            // wakes (system_plan.hpp; the fast engine's Replay::resume).
            const uint64_t ready = s.time.input_ready[i][l], wake = s.plan.options.wake_cycles;
            if (s.plan.options.system.power_gating && !s.off[size_t(m)] && ready > free + wake) {
                m_result.macro_sleep_cycles[size_t(m)] += ready - (free + wake);
                ++m_result.macro_gap_wakes[size_t(m)];
                sync_to(ready + wake);
            } else {
                sync_to(ready);
            }
            if (s.acc[i][l].empty()) s.acc[i][l].assign(size_t(m_net.desc.layers[l].out_shape.size()), 0);
            for (size_t k = 0; k < units.size(); ++k) {
                WorkUnit u = units[k];
                if (k == 0 && early) u.load = false;
                run_unit(m, int(i), u, k + 1 == units.size());
            }
        }
}

// The host's task for (image, layer), started now.
void Host::host_task(size_t i, size_t li) {
    State& s = *m_state;
    const LayerDesc& l = m_net.desc.layers[li];
    std::vector<const Tensor*> ins;
    for (int id : l.input_ids) ins.push_back(id < 0 ? &m_inputs[i] : &s.outputs[i][size_t(id)]);
    if (l.is_mac()) {
        std::vector<int64_t>& acc = s.acc[i][li];
        s.acc32.resize(acc.size());
        for (size_t k = 0; k < acc.size(); ++k) {
            DDCPIM_ASSERT(acc[k] >= INT32_MIN && acc[k] <= INT32_MAX);
            s.acc32[k] = int32_t(acc[k]);
        }
        if (s.verifier) s.verifier->check(i, li, *ins[0], s.acc32);  // --verify, beside the simulation
        if (s.dumper && i == 0) s.dumper->dump(li, *ins[0], s.acc32);
        s.outputs[i][li] = ref::mac_output(l, m_net.params[li], s.acc32);
        std::vector<int64_t>().swap(acc);
    } else {
        s.outputs[i][li] = ref::run_non_mac(l, m_net.params[li], ins);
    }
    // Inputs no one reads any more are dropped (a stream of images keeps only what is in flight).
    for (int id : l.input_ids)
        if (id >= 0 && --s.consumers_left[i][size_t(id)] == 0 && size_t(id) + 1 != s.layers) s.outputs[i][size_t(id)] = Tensor();
    m_result.layers[li].events.host_ops += s.plan.host_ops[li];
}

void Host::run() {
    const auto wall0 = std::chrono::steady_clock::now();
    m_state = std::make_unique<State>();
    State& s = *m_state;
    s.plan = choose_plan(m_net, m_macro, m_options.system);
    s.images = size_t(m_options.system.images);
    s.layers = m_net.desc.layers.size();
    describe_layers(s.plan, m_net, m_result);
    s.time.resize(s.images, s.layers);
    s.outputs.assign(s.images, std::vector<Tensor>(s.layers));
    s.acc.assign(s.images, std::vector<std::vector<int64_t>>(s.layers));
    s.known.assign(s.images, std::vector<char>(s.layers, 0));
    s.producers_left.assign(s.images, std::vector<int>(s.layers, 0));
    s.parts_left.assign(s.images, std::vector<int>(s.layers, 0));
    s.consumers_left.assign(s.images, std::vector<int>(s.layers, 0));
    for (size_t i = 0; i < s.images; ++i)
        for (size_t l = 0; l < s.layers; ++l) {
            for (int id : m_net.desc.layers[l].input_ids)
                if (id >= 0) ++s.producers_left[i][l], ++s.consumers_left[i][size_t(id)];
            s.parts_left[i][l] = s.plan.parts[l];
        }
    uint64_t offset = 0;
    s.memory_offset.resize(s.layers);
    s.stored.resize(s.layers);
    s.used.resize(s.layers);
    for (size_t l = 0; l < s.layers; ++l)
        for (const TileShape& t : s.plan.placement.layers[l].tiles) {
            s.memory_offset[l].push_back(offset);
            s.stored[l].push_back(0);
            s.used[l].emplace_back();
            offset += tile_weight_bytes(m_macro, t.rows_used);
        }
    s.masks.assign(m_macros.size(), std::vector<uint8_t>(size_t(m_geo.columns) * m_geo.mask_bytes, 0xFF));
    s.off.assign(m_macros.size(), 0);
    s.wake_start.assign(m_macros.size(), 0);
    if (!m_options.dump_dir.empty()) s.dumper.emplace(m_net, m_options.dump_dir);
    if (m_options.verify) s.verifier.emplace(m_net);
    m_result.verified = m_options.verify;
    m_result.verify_requested = m_options.verify;

    // Every image's input is there from the start.
    auto input_known = [&](size_t i, size_t l, uint64_t edge) {
        s.time.input_ready[i][l] = edge;
        s.known[i][l] = 1;
        if (!m_net.desc.layers[l].is_mac()) s.ready.insert({edge, i, l});
    };
    for (size_t i = 0; i < s.images; ++i)
        for (size_t l = 0; l < s.layers; ++l)
            if (s.producers_left[i][l] == 0) input_known(i, l, 0);

    std::vector<sc_core::sc_process_handle> workers;
    for (int m = 0; m < int(m_macros.size()); ++m)
        workers.push_back(sc_core::sc_spawn([this, m] { worker(m); }, fmt::format("worker_{}", m).c_str()));

    const size_t tasks = s.images * s.layers;
    while (s.tasks_done < tasks) {
        if (s.ready.empty()) {
            sc_core::wait(s.ready_event);
            continue;
        }
        const uint64_t earliest = std::get<0>(*s.ready.begin());
        const sc_core::sc_time at = m_period * double(earliest);
        if (sc_core::sc_time_stamp() < at) {
            // An earlier task may yet become ready while waiting.
            sc_core::wait(at - sc_core::sc_time_stamp(), s.ready_event);
            continue;
        }
        // Of the tasks ready by now, the lowest image first, then the lowest layer.
        const uint64_t now = now_edge();
        auto pick = s.ready.end();
        for (auto k = s.ready.begin(); k != s.ready.end() && std::get<0>(*k) <= now; ++k)
            if (pick == s.ready.end() ||
                std::tie(std::get<1>(*k), std::get<2>(*k)) < std::tie(std::get<1>(*pick), std::get<2>(*pick)))
                pick = k;
        const auto [ready, i, l] = *pick;
        s.ready.erase(pick);
        const uint64_t start = now_edge();
        host_task(i, l);
        const uint64_t k = host_cycles(s.plan.host_ops[l], m_options.system.ops_per_cycle);
        s.time.host_start[i][l] = start;
        s.time.host_end[i][l] = start + k;
        for (size_t c : s.plan.consumers[l]) {
            uint64_t& r = s.time.input_ready[i][c];
            r = std::max(r, start + k);
            if (--s.producers_left[i][c] == 0) input_known(i, c, r);
        }
        s.known_event.notify();
        ++s.tasks_done;
        if (m_options.progress) m_options.progress(s.tasks_done, tasks);
        if (k) sc_core::wait(m_period * double(k));
    }
    for (auto& w : workers)
        if (!w.terminated()) sc_core::wait(w.terminated_event());
    if (s.verifier) {
        m_result.mismatch = s.verifier->finish();
        if (!m_result.mismatch.empty()) m_result.verified = false;
    }
    summarise_timeline(s.plan, s.time, m_result);
    for (const LayerResult& lr : m_result.layers) {
        m_result.offchip_bits += lr.events.offchip_bits;
        m_result.link_bits += lr.events.link_bits;
    }
    for (size_t i = 0; i < s.images; ++i) m_result.image_outputs.push_back(std::move(s.outputs[i].back()));
    m_result.output = m_result.image_outputs.front();
    m_result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
}

}  // namespace ddcpim::host
