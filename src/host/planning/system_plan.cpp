#include "ddcpim/host/system_plan.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "ddcpim/cost/technology.hpp"
#include "ddcpim/host/replication.hpp"

namespace ddcpim::host {

uint64_t tile_weight_bytes(const MacroParams& m, int rows) {
    return uint64_t(rows) * uint64_t((m.weight_columns * m.weight_bits + 7) / 8);
}

uint64_t memory_beats(const MemoryParams& mem, uint64_t bytes) {
    return (bytes + uint64_t(mem.bytes_per_cycle) - 1) / uint64_t(mem.bytes_per_cycle);
}

uint64_t link_cycles(const SystemParams& s, uint64_t bytes) {
    return (bytes + uint64_t(s.link_bytes_per_cycle) - 1) / uint64_t(s.link_bytes_per_cycle);
}

int input_lanes(const MacroParams& m, const TileShape& t) {
    return t.mode == macro::Mode::Depthwise && m.dual_broadcast && t.partner_lane ? 2 : 1;
}

uint64_t result_values(const MacroParams& m, macro::Mode mode) {
    const uint64_t n = uint64_t(m.weight_columns);
    // Segment-major slots (Geometry::slot_index): a pointwise run's results are
    // the first sides x N values; a depthwise run's fill the whole slot.
    if (mode == macro::Mode::Depthwise) return 2 * n * uint64_t(m.rows / m.segment_rows);
    return (m.complementary ? 2 : 1) * n;
}

uint64_t run_input_link_cycles(const MacroParams& m, const SystemParams& s, const TileShape& t, int n) {
    return uint64_t(n) * uint64_t(input_lanes(m, t)) * link_cycles(s, uint64_t(t.rows_used));
}

uint64_t run_result_link_cycles(const MacroParams& m, const SystemParams& s, const TileShape& t, int n) {
    return uint64_t(n) * link_cycles(s, result_values(m, t.mode) * 4);
}

uint64_t host_cycles(uint64_t operations, int ops_per_cycle) {
    return (operations + uint64_t(ops_per_cycle) - 1) / uint64_t(ops_per_cycle);
}

uint64_t unit_busy(const MacroParams& m, const SystemParams& s, const TileShape& t, int n) {
    // n / B full runs of B = buffer_vectors MVMs and one of the rest.
    auto run = [&](int k) {
        return k ? run_cost(m, t, k).busy + run_input_link_cycles(m, s, t, k) + run_result_link_cycles(m, s, t, k) : 0;
    };
    const int B = m.buffer_vectors;
    return uint64_t(n / B) * run(B) + run(n % B);
}

uint64_t cycles_lower_bound(const SystemPlan& plan, const Network& net) {
    const MacroParams& m = plan.macro;
    const SystemParams& sys = plan.options.system;
    const auto& layers = net.desc.layers;
    const uint64_t images = uint64_t(plan.options.images);
    // A command of b edges taken at edge e is done at e + b - 1, and a link wait may start on that edge:
    // each command counts b - 1 edges here (its link transfers in full).
    auto runs_floor = [&](const TileShape& t, int n) {
        const uint64_t commands = uint64_t((n + m.buffer_vectors - 1) / m.buffer_vectors);
        return unit_busy(m, sys, t, n) - commands;
    };
    auto load_floor = [&](const TileShape& t) { return load_cost(m, t.rows_used).busy - 1; };
    // Each resource does its work one piece at a time: the host its tasks, a macro its commands, the
    // channel its loads.
    uint64_t host = 0, channel = 0, busiest = 0;
    std::vector<uint64_t> macro(size_t(m.macros), 0);
    for (size_t k = 0; k < size_t(m.macros); ++k)
        for (const WorkUnit& u : plan.placement_loads[k]) {
            const TileShape& t = plan.placement.layers[size_t(u.layer)].tiles[size_t(u.tile)];
            macro[k] += load_floor(t);
            channel += memory_beats(plan.options.memory, tile_weight_bytes(m, t.rows_used));
        }
    // The first image's critical path: a layer's host task ends at least its cycles after its macros are
    // done, and they at least their busiest macro's runs of it after its input is ready (its loads too,
    // unless prefetched ahead of the input).
    std::vector<uint64_t> end(layers.size(), 0);
    uint64_t path = 0;
    for (size_t l = 0; l < layers.size(); ++l) {
        uint64_t ready = 0;
        for (int id : layers[l].input_ids)
            if (id >= 0) ready = std::max(ready, end[size_t(id)]);
        uint64_t phase = 0;
        for (size_t k = 0; k < size_t(m.macros); ++k) {
            uint64_t runs = 0, loads = 0;
            for (const WorkUnit& u : plan.units[l][k]) {
                const TileShape& t = plan.placement.layers[l].tiles[size_t(u.tile)];
                runs += runs_floor(t, u.count);
                if (u.load) {
                    loads += load_floor(t);
                    channel += images * memory_beats(plan.options.memory, tile_weight_bytes(m, t.rows_used));
                }
            }
            macro[k] += images * (runs + loads);
            phase = std::max(phase, runs + (sys.prefetch ? 0 : loads));
        }
        const uint64_t task = host_cycles(plan.host_ops[l], plan.options.ops_per_cycle);
        host += images * task;
        end[l] = ready + phase + task;
        path = std::max(path, end[l]);
    }
    for (uint64_t b : macro) busiest = std::max(busiest, b);
    return std::max({path, host, busiest, channel});
}

SystemPlan plan_system(const Network& net, const MacroParams& macro, const SystemOptions& options) {
    const auto& layers = net.desc.layers;
    const int M = macro.macros;
    SystemPlan plan;
    plan.macro = macro;
    plan.options = options;
    plan.mappers.resize(layers.size());
    plan.units.assign(layers.size(), std::vector<std::vector<WorkUnit>>(size_t(M)));
    plan.placement_loads.resize(size_t(M));
    plan.host_ops.resize(layers.size());
    plan.consumers.resize(layers.size());
    plan.parts.assign(layers.size(), 0);
    std::vector<LayerPlacement> lp(layers.size());
    std::vector<LayerPlan> stream_plans(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerDesc& l = layers[i];
        for (int id : l.input_ids)
            if (id >= 0) plan.consumers[size_t(id)].push_back(i);
        if (!l.is_mac()) {
            plan.host_ops[i] = l.kind == LayerKind::AvgPool ? uint64_t(l.in_shape.size()) : uint64_t(l.out_shape.size());
            continue;
        }
        // Streamed weights cost memory traffic, which dw_mapping: auto weighs (static ones are placed once).
        plan.mappers[i] = make_mapper(l, net.params[i], macro,
                                      options.system.residency == "stream" ? &options.memory : nullptr);
        const LayerMapper& mapper = *plan.mappers[i];
        const MappingSummary& s = mapper.summary();
        // Partial sums of row tiles, then bias, requantisation and clamp per output.
        plan.host_ops[i] = uint64_t(l.out_shape.size()) * uint64_t(std::max(1, s.row_tiles));
        lp[i].mac = true;
        for (int t = 0; t < s.tiles; ++t) lp[i].tiles.push_back(mapper.tile_shape(t));
        // Streamed, the host's per-layer plan (schedule.hpp) decides which macro
        // runs which unit; a macro loads a tile unless it holds it already.
        stream_plans[i] = plan_layer(mapper, macro);
        for (const MacroWork& w : stream_plans[i].macros) {
            int loaded = -1;
            for (const Unit& u : w.units) {
                if (u.tile != loaded) lp[i].stream_bits += 8 * tile_weight_bytes(macro, lp[i].tiles[size_t(u.tile)].rows_used);
                loaded = u.tile;
            }
        }
    }
    plan.resident_macros_needed = macros_to_resident(lp, macro);
    plan.placement = place_network(std::move(lp), macro, M, options.system.residency == "static");
    if (plan.placement.fully_resident()) {
        if (options.replicate) replicate_tiles(plan.placement, macro, options.system, M);
        number_by_first_use(plan.placement, M);
    }
    // Streamed layers run on the placement's stream macros, planned as if those were all there is.
    const std::vector<int>& stream_macros = plan.placement.stream_macros;
    MacroParams stream_macro = macro;
    stream_macro.macros = std::max<int>(1, int(stream_macros.size()));
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerPlacement& p = plan.placement.layers[i];
        if (!p.mac) continue;
        if (p.resident) {
            for (size_t t = 0; t < p.tiles.size(); ++t) {
                // The tile and its copies (replication.hpp) split its MVMs evenly, in order.
                std::vector<TileSlot> copies = {p.slots[t]};
                if (!p.copies.empty()) copies.insert(copies.end(), p.copies[t].begin(), p.copies[t].end());
                const int64_t vectors = p.tiles[t].vectors, k = int64_t(copies.size());
                for (int64_t c = 0; c < k; ++c) {
                    const TileSlot& slot = copies[size_t(c)];
                    const int first = int(vectors * c / k), last = int(vectors * (c + 1) / k);
                    plan.units[i][size_t(slot.macro)].push_back({int(i), int(t), first, last - first, slot.row_base, false});
                    plan.placement_loads[size_t(slot.macro)].push_back({int(i), int(t), 0, 0, slot.row_base, true});
                }
            }
        } else {
            const LayerPlan sp = int(stream_macros.size()) == M ? std::move(stream_plans[i])
                                                                 : plan_layer(*plan.mappers[i], stream_macro);
            LayerPlacement& lpi = plan.placement.layers[i];
            lpi.stream_bits = 0;
            for (size_t k = 0; k < stream_macros.size(); ++k) {
                const int mk = stream_macros[k];
                int loaded = -1;
                for (const Unit& u : sp.macros[k].units) {
                    DDCPIM_ASSERT(u.count >= 1);
                    const bool load = u.tile != loaded;
                    plan.units[i][size_t(mk)].push_back(
                        {int(i), u.tile, u.first, u.count, plan.placement.stream_base[k], load});
                    if (load) lpi.stream_bits += 8 * tile_weight_bytes(macro, lpi.tiles[size_t(u.tile)].rows_used);
                    loaded = u.tile;
                }
            }
        }
        for (int k = 0; k < M; ++k) plan.parts[i] += !plan.units[i][size_t(k)].empty();
    }
    return plan;
}

}  // namespace ddcpim::host

namespace ddcpim::host {

SystemOptions system_options(const ConfigFile& cfg, int images) {
    SystemOptions o;
    o.memory = cfg.memory;
    o.system = cfg.system;
    o.ops_per_cycle = cfg.host.ops_per_cycle;
    o.images = images > 0 ? images : cfg.system.images;
    o.input_seed = cfg.weights.seed;
    if (cfg.system.power_gating) {
        // Waking takes time, which both engines count: it comes from the technology file.
        const SourceLocation where{cfg.path, 0, 0, "", "system.power_gating"};
        if (cfg.technology.empty() || !std::filesystem::exists(cfg.technology))
            throw UserError(where, "power gating needs a technology file with a power_gating section (docs/cost.md); "
                                   "the config has none");
        const cost::Technology t = cost::load_technology(cfg.technology);
        if (!t.has_power_gating)
            throw UserError(where, fmt::format("{} has no power_gating section (wake_ns, wake_pj_per_mm2; docs/cost.md)",
                                               cfg.technology));
        o.wake_cycles = uint64_t(std::ceil(t.wake_ns * cfg.macro.clock_mhz / 1000.0 - 1e-9));
    }
    return o;
}

void Timeline::resize(size_t images, size_t layers) {
    for (auto* v : {&input_ready, &macros_done, &host_start, &host_end}) v->assign(images, std::vector<uint64_t>(layers, 0));
}

namespace {

// "0-3,7": a sorted set of macro indices as ranges.
std::string ranges_text(std::vector<int> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    std::string s;
    for (size_t i = 0; i < v.size();) {
        size_t j = i;
        while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
        if (!s.empty()) s += ",";
        s += j == i ? fmt::format("{}", v[i]) : fmt::format("{}-{}", v[i], v[j]);
        i = j + 1;
    }
    return s;
}

}  // namespace

void describe_layers(const SystemPlan& plan, const Network& net, SimResult& r) {
    const auto& layers = net.desc.layers;
    r.macro = plan.macro;
    r.host_ops_per_cycle = plan.options.ops_per_cycle;
    r.memory = plan.options.memory;
    r.system = plan.options.system;
    r.residency = plan.options.system.residency;
    r.placement_choice = plan.choice;
    r.images = plan.options.images;
    r.resident_layers = plan.placement.resident_layers();
    r.streamed_layers = plan.placement.streamed_layers();
    r.stream_macros = int(plan.placement.stream_macros.size());
    r.resident_macros_needed = plan.resident_macros_needed;
    r.macro_busy_cycles.assign(size_t(plan.macro.macros), 0);
    r.macro_on_cycles.assign(size_t(plan.macro.macros), 0);
    r.macro_sleep_cycles.assign(size_t(plan.macro.macros), 0);
    r.macro_gap_wakes.assign(size_t(plan.macro.macros), 0);
    r.macro_holds_weights.assign(size_t(plan.macro.macros), 0);
    for (int k = 0; k < plan.macro.macros; ++k) r.macro_holds_weights[size_t(k)] = !plan.placement_loads[size_t(k)].empty();
    r.power_gating = plan.options.system.power_gating;
    r.wake_cycles = plan.options.wake_cycles;
    r.layers.clear();
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerDesc& l = layers[i];
        LayerResult lr;
        lr.name = l.name;
        lr.kind = kind_name(l.kind);
        lr.shape = shape_text(l.in_shape) + " -> " + shape_text(l.out_shape);
        lr.macs = l.macs();
        if (l.is_mac()) {
            describe_mapping(plan.mappers[i]->summary(), l, plan.macro, lr);
            const LayerPlacement& p = plan.placement.layers[i];
            lr.resident = p.resident;
            if (p.resident) {
                std::vector<int> ms;
                for (const TileSlot& s : p.slots) ms.push_back(s.macro);
                for (const auto& copies : p.copies)
                    for (const TileSlot& s : copies) ms.push_back(s.macro), ++lr.tile_copies;
                lr.placed_on = ranges_text(ms);
            } else {
                lr.offchip_bits = p.stream_bits;
            }
        } else {
            lr.mapping = "host";
        }
        r.layers.push_back(std::move(lr));
    }
    r.macs = net.desc.total_macs();
}

namespace {

// Cycles each resource is occupied per image, from the plan's closed forms.
void find_bottleneck(const SystemPlan& plan, SimResult& r) {
    const MacroParams& m = plan.macro;
    uint64_t host = 0, memory = 0;
    for (uint64_t ops : plan.host_ops) host += host_cycles(ops, plan.options.ops_per_cycle);
    r.bottleneck = "host";
    r.bottleneck_cycles = host;
    for (int k = 0; k < m.macros; ++k) {
        uint64_t busy = 0;
        for (size_t l = 0; l < plan.units.size(); ++l)
            for (const WorkUnit& u : plan.units[l][size_t(k)]) {
                const TileShape& t = plan.placement.layers[l].tiles[size_t(u.tile)];
                if (u.load) {
                    busy += load_cost(m, t.rows_used).busy;
                    memory += memory_beats(plan.options.memory, tile_weight_bytes(m, t.rows_used));
                }
                busy += unit_busy(m, plan.options.system, t, u.count);
            }
        if (busy > r.bottleneck_cycles) {
            r.bottleneck = fmt::format("macro {}", k);
            r.bottleneck_cycles = busy;
        }
    }
    if (memory > r.bottleneck_cycles) {
        r.bottleneck = "off-chip memory";
        r.bottleneck_cycles = memory;
    }
}

}  // namespace

void summarise_timeline(const SystemPlan& plan, const Timeline& t, SimResult& r) {
    find_bottleneck(plan, r);
    r.macro_cycles = r.host_cycles = r.total_cycles = r.first_image_cycles = 0;
    for (size_t i = 0; i < r.layers.size(); ++i) {
        LayerResult& lr = r.layers[i];
        const uint64_t ready = t.input_ready[0][i];
        lr.macro_cycles = plan.mappers[i] ? t.macros_done[0][i] - ready : 0;
        lr.host_cycles = t.host_end[0][i] - t.host_start[0][i];
        lr.cycles = t.host_end[0][i] - ready;
        r.macro_cycles += lr.macro_cycles;
        r.host_cycles += lr.host_cycles;
    }
    r.image_done.assign(t.host_end.size(), 0);
    for (size_t img = 0; img < t.host_end.size(); ++img)
        for (uint64_t e : t.host_end[img]) {
            r.total_cycles = std::max(r.total_cycles, e);
            r.image_done[img] = std::max(r.image_done[img], e);
        }
    r.first_image_cycles = r.image_done.empty() ? 0 : r.image_done[0];
    r.stream_bits_per_image = 0;
    for (const LayerResult& lr : r.layers) r.stream_bits_per_image += lr.offchip_bits;
}

}  // namespace ddcpim::host
