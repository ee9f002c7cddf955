#include "ddcpim/host/fast_engine.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <variant>

#include <fmt/format.h>

#include "ddcpim/host/activity.hpp"
#include "ddcpim/host/system_plan.hpp"
#include "ddcpim/ref/engine.hpp"

namespace ddcpim::host {

namespace {

// A point in time as the clocked model sees it: an edge of the clock, before
// its posedge processes (a write there is taken by that edge) or after them
// (a write there is taken by the next edge). Memory grants sit in between.
enum Phase : int { Before = 0, Grants = 1, After = 2 };
struct Point {
    uint64_t edge = 0;
    int phase = Before;
    uint64_t key() const { return edge * 3 + uint64_t(phase); }
    // The first edge that takes a command written at this point.
    uint64_t takes() const { return phase == Before ? edge : edge + 1; }
};
Point before(uint64_t e) { return {e, Before}; }
Point later(Point a, Point b) { return a.key() >= b.key() ? a : b; }
// A timed wait of d edges (d > 0) wakes before the posedge processes.
Point after_wait(Point p, uint64_t d) { return d ? before(p.edge + d) : p; }

class Replay {
public:
    // The timing and the data-independent events; the write flips follow from the plan alone (load_toggles).
    Replay(const SystemPlan& plan, const Network& net, SimResult& r)
        : m_plan(plan), m_net(net), m_r(r), m_images(size_t(plan.options.images)), m_layers(net.desc.layers.size()) {
        m_full_runs.resize(m_layers);
        m_time.resize(m_images, m_layers);
        m_done_tasks.assign(m_images * m_layers, 0);
        m_known.assign(m_images, std::vector<char>(m_layers, 0));
        m_producers_left.assign(m_images, std::vector<int>(m_layers, 0));
        m_parts_left.assign(m_images, std::vector<int>(m_layers, 0));
        m_waiting.assign(m_images, std::vector<std::vector<int>>(m_layers));
        for (size_t i = 0; i < m_images; ++i)
            for (size_t l = 0; l < m_layers; ++l) {
                for (int id : net.desc.layers[l].input_ids) m_producers_left[i][l] += id >= 0;
                m_parts_left[i][l] = plan.parts[l];
            }
        const int M = plan.macro.macros;
        m_workers.resize(size_t(M));
        m_wake_start.assign(size_t(M), 0);
        for (int m = 0; m < M; ++m) {
            Worker& w = m_workers[size_t(m)];
            w.placement = !plan.placement_loads[size_t(m)].empty();
            for (size_t l = 0; l < m_layers; ++l)
                if (!plan.units[l][size_t(m)].empty()) w.layers.push_back(int(l));
            w.items = (w.placement ? 1 : 0) + m_images * w.layers.size();
            // Power-gated, a macro starts off: one with work wakes for its first tile's load (wake_for_load);
            // one without stays off.
            w.off = plan.options.system.power_gating && w.items;
            push(w.now, m);
        }
        // Every image's input is there at edge 0.
        for (size_t i = 0; i < m_images; ++i)
            for (size_t l = 0; l < m_layers; ++l)
                if (m_producers_left[i][l] == 0) input_known(i, l, 0);
    }

    void run() {
        while (!m_events.empty()) {
            auto [key, agent] = m_events.top();
            m_events.pop();
            const Point p{key / 3, int(key % 3)};
            if (agent == kHost) host_step(p);
            else if (agent == kArbiter) arbiter_step(p);
            else worker_step(agent, p);
        }
        for (size_t i = 0; i < m_images; ++i)
            for (size_t l = 0; l < m_layers; ++l) DDCPIM_ASSERT(m_done_tasks[i * m_layers + l]);
    }

    const Timeline& timeline() const { return m_time; }

private:
    static constexpr int kHost = -1, kArbiter = -2;
    struct Item {
        int image, layer;  // -1, -1: the placement loads
    };
    enum class Stage { ItemStart, Unit, LoadCommand, Runs, RunCommand, Read };
    struct Worker {
        // Its queue: the placement loads (if any), then for every image its layers with units, in order;
        // items are numbered, not stored, so a long stream of images costs no memory per image.
        bool placement = false;
        std::vector<int> layers;
        size_t items = 0;
        size_t item = 0, unit = 0;
        Item at(size_t k) const {
            if (placement && k == 0) return {-1, -1};
            k -= placement ? 1 : 0;
            return {int(k / layers.size()), layers[k % layers.size()]};
        }
        int first = 0, n = 0;  // the run in progress
        Stage stage = Stage::ItemStart;
        Point now;
        uint64_t done = 0;     // edge of the last command's done
        bool blocked = false;  // waiting for its item's input to be known
        bool early = false;    // its item's first tile was loaded before the input was checked (prefetch)
        bool off = false;      // power-gated and not yet woken: its first load's grant wakes it
    };
    struct Request {
        uint64_t edge;  // first edge the arbiter sees it
        int macro;
        uint64_t bytes;
        bool operator<(const Request& o) const { return std::tie(edge, macro) < std::tie(o.edge, o.macro); }
    };

    void push(Point p, int agent) { m_events.push({p.key(), agent}); }

    const std::vector<WorkUnit>& units_of(const Item& it, int m) const {
        return it.layer < 0 ? m_plan.placement_loads[size_t(m)] : m_plan.units[size_t(it.layer)][size_t(m)];
    }

    // The input of (image, layer) is ready at `edge`.
    void input_known(size_t i, size_t l, uint64_t edge) {
        m_time.input_ready[i][l] = edge;
        m_known[i][l] = 1;
        if (!m_net.desc.layers[l].is_mac()) {
            ready_task(i, l, edge);
            return;
        }
        for (int m : m_waiting[i][l]) {
            Worker& w = m_workers[size_t(m)];
            w.blocked = false;
            resume(w, m, edge);
            push(w.now, m);
        }
        m_waiting[i][l].clear();
    }

    // A macro free at w.now goes on when its item's input is ready at `edge`. Power-gated, one idle for
    // longer than its wake-up sleeps from then until the input is ready, and wakes (system_plan.hpp).
    void resume(Worker& w, int m, uint64_t edge) {
        const uint64_t wake = m_plan.options.wake_cycles;
        if (m_plan.options.system.power_gating && !w.off && edge > w.now.edge + wake) {
            m_r.macro_sleep_cycles[size_t(m)] += edge - (w.now.edge + wake);
            ++m_r.macro_gap_wakes[size_t(m)];
            w.now = before(edge + wake);
            return;
        }
        w.now = later(w.now, before(edge));
    }

    // Whether macro m may go on with item `it` at w.now: its input is known and ready by then. Otherwise
    // it waits, blocked until the input is known, or woken when it is ready (asleep meanwhile if gated).
    bool input_ready(Worker& w, int m, const Item& it) {
        if (!m_known[size_t(it.image)][size_t(it.layer)]) {
            m_waiting[size_t(it.image)][size_t(it.layer)].push_back(m);
            w.blocked = true;
            return false;
        }
        const Point was = w.now;
        resume(w, m, m_time.input_ready[size_t(it.image)][size_t(it.layer)]);
        if (w.now.key() == was.key()) return true;
        push(w.now, m);
        return false;
    }

    void ready_task(size_t i, size_t l, uint64_t edge) {
        m_ready.insert({edge, i, l});
        push(before(edge), kHost);
    }

    void host_step(Point p) {
        if (m_host_free > p.edge) return;
        // Of the tasks ready by now, the lowest image first, then the lowest layer.
        auto it = m_ready.end();
        for (auto k = m_ready.begin(); k != m_ready.end() && std::get<0>(*k) <= p.edge; ++k)
            if (it == m_ready.end() || std::tie(std::get<1>(*k), std::get<2>(*k)) < std::tie(std::get<1>(*it), std::get<2>(*it)))
                it = k;
        if (it == m_ready.end()) return;
        const auto [ready, i, l] = *it;
        m_ready.erase(it);
        const uint64_t k = host_cycles(m_plan.host_ops[l], m_plan.options.ops_per_cycle);
        m_time.host_start[i][l] = p.edge;
        m_time.host_end[i][l] = p.edge + k;
        m_host_free = p.edge + k;
        m_done_tasks[i * m_layers + l] = 1;
        m_r.layers[l].events.host_ops += m_plan.host_ops[l];
        for (size_t c : m_plan.consumers[l]) {
            uint64_t& r = m_time.input_ready[i][c];
            r = std::max(r, p.edge + k);
            if (--m_producers_left[i][c] == 0) input_known(i, c, r);
        }
        push(before(p.edge + k), kHost);
    }

    void arbiter_step(Point p) {
        if (m_channel_free > p.edge || m_requests.empty()) return;
        auto it = m_requests.begin();
        if (it->edge > p.edge) {
            push({it->edge, Grants}, kArbiter);
            return;
        }
        const Request q = *it;
        m_requests.erase(it);
        const uint64_t beats = memory_beats(m_plan.options.memory, q.bytes);
        m_channel_free = p.edge + beats;
        Worker& w = m_workers[size_t(q.macro)];
        const uint64_t data = p.edge + uint64_t(m_plan.options.memory.latency) + beats;
        w.now = w.off ? before(wake_for_load(w, q.macro, p.edge, data)) : before(data);
        w.stage = Stage::LoadCommand;
        push(w.now, q.macro);
        if (!m_requests.empty()) push({std::max(m_channel_free, m_requests.begin()->edge), Grants}, kArbiter);
    }

    // A gated macro's first command is a tile's load: the memory's grant of its read (edge `grant`, the data
    // there at `data`) wakes it, so that it is up when the data is, or wake_cycles after the grant if the
    // read is shorter. Returns the edge the macro may take the load; it is on from the wake-up's start.
    uint64_t wake_for_load(Worker& w, int m, uint64_t grant, uint64_t data) {
        const uint64_t wake = m_plan.options.wake_cycles;
        w.off = false;
        m_wake_start[size_t(m)] = std::max(grant, data > wake ? data - wake : 0);
        return std::max(data, grant + wake);
    }

    // One command on macro m, taken at the first edge after `w.now`.
    void command(Worker& w, int m, const CommandCost& c, LayerResult& lr) {
        DDCPIM_ASSERT(!w.off);  // a gated macro's first command is a load with a read (wake_for_load)
        const uint64_t taken = w.now.takes();
        w.done = taken + c.busy - 1;
        w.now = {w.done, After};
        m_r.macro_busy_cycles[size_t(m)] += c.busy;
        m_r.macro_on_cycles[size_t(m)] = w.done + 1 - m_r.macro_sleep_cycles[size_t(m)] - m_wake_start[size_t(m)];
        lr.compute += c.compute;
        lr.weight_load += c.write;
        lr.input_load += c.load_wait;
        lr.stall += c.stall;
        lr.events += c.events;
    }

    void worker_step(int m, Point p) {
        Worker& w = m_workers[size_t(m)];
        if (p.key() != w.now.key() || w.blocked) return;  // a stale wake-up
        const MacroParams& mp = m_plan.macro;
        for (;;) {
            if (w.item == w.items) return;
            const Item it = w.at(w.item);
            const std::vector<WorkUnit>& units = units_of(it, m);
            switch (w.stage) {
            case Stage::ItemStart:
                if (it.layer >= 0 && m_plan.options.system.prefetch && units.front().load) {
                    // system.prefetch: the first tile loads now; its runs wait for the input (Stage::Runs).
                    w.early = true;
                    w.stage = Stage::Unit;
                    w.unit = 0;
                    break;
                }
                w.stage = Stage::Unit;
                w.unit = 0;
                if (it.layer >= 0 && !input_ready(w, m, it)) return;
                break;
            case Stage::Unit: {
                if (w.unit == units.size()) {
                    ++w.item;
                    w.stage = Stage::ItemStart;
                    break;
                }
                const WorkUnit& u = units[w.unit];
                const TileShape& t = m_plan.placement.layers[size_t(u.layer)].tiles[size_t(u.tile)];
                if (!u.load) {
                    w.stage = Stage::Runs;
                    w.first = u.first;
                    break;
                }
                const uint64_t bytes = tile_weight_bytes(mp, t.rows_used);
                LayerResult& lr = m_r.layers[size_t(u.layer)];
                lr.events.offchip_bits += 8 * bytes;
                if (it.layer < 0) m_r.placement_bits += 8 * bytes;
                if (bytes == 0) {
                    w.stage = Stage::LoadCommand;
                    break;
                }
                const Request q{w.now.takes(), m, bytes};
                m_requests.insert(q);
                push({std::max(q.edge, m_channel_free), Grants}, kArbiter);
                w.now = {~uint64_t(0) / 4, Before};  // until granted
                return;
            }
            case Stage::LoadCommand: {
                const WorkUnit& u = units[w.unit];
                const TileShape& t = m_plan.placement.layers[size_t(u.layer)].tiles[size_t(u.tile)];
                command(w, m, load_cost(mp, t.rows_used), m_r.layers[size_t(u.layer)]);
                w.stage = Stage::Runs;
                w.first = u.first;
                push(w.now, m);
                return;
            }
            case Stage::Runs: {
                if (w.early) {
                    // A prefetched item's runs wait for its input, as ItemStart does without prefetch.
                    if (!input_ready(w, m, it)) return;
                    w.early = false;
                }
                const WorkUnit& u = units[w.unit];
                if (w.first >= u.first + u.count) {
                    ++w.unit;
                    w.stage = Stage::Unit;
                    break;
                }
                const TileShape& t = m_plan.placement.layers[size_t(u.layer)].tiles[size_t(u.tile)];
                intermediate_runs(w, m, u, t);
                w.n = std::min(mp.buffer_vectors, u.first + u.count - w.first);
                const uint64_t in = run_input_link_cycles(mp, m_plan.options.system, t, w.n);
                m_r.layers[size_t(u.layer)].events.link_bits +=
                    8 * uint64_t(w.n) * uint64_t(input_lanes(mp, t)) * uint64_t(t.rows_used);
                w.stage = Stage::RunCommand;
                if (in) {
                    w.now = after_wait(w.now, in);
                    push(w.now, m);
                    return;
                }
                break;
            }
            case Stage::RunCommand: {
                const WorkUnit& u = units[w.unit];
                const TileShape& t = m_plan.placement.layers[size_t(u.layer)].tiles[size_t(u.tile)];
                command(w, m, run_cost(mp, t, w.n), m_r.layers[size_t(u.layer)]);
                w.stage = Stage::Read;
                push(w.now, m);
                return;
            }
            case Stage::Read: {
                const WorkUnit& u = units[w.unit];
                const TileShape& t = m_plan.placement.layers[size_t(u.layer)].tiles[size_t(u.tile)];
                LayerResult& lr = m_r.layers[size_t(u.layer)];
                lr.events.link_bits += 8 * 4 * uint64_t(w.n) * result_values(mp, t.mode);
                w.now = after_wait(w.now, run_result_link_cycles(mp, m_plan.options.system, t, w.n));
                w.first += w.n;
                const bool last = w.first >= u.first + u.count && w.unit + 1 == units.size();
                if (last) part_done(size_t(it.image), size_t(it.layer), w.now.edge);
                w.stage = Stage::Runs;
                push(w.now, m);
                return;
            }
            }
        }
    }

    // The runs of unit u before its last, all of buffer_vectors MVMs, at once: each waits for its inputs on
    // the link, runs, and sends its results back, touching nothing another agent sees (the unit's last
    // run, which may hand the layer to the host, goes through the event queue). Their costs are the same
    // for every full run of a tile, so they are worked out once per tile.
    void intermediate_runs(Worker& w, int m, const WorkUnit& u, const TileShape& t) {
        DDCPIM_ASSERT(!w.off);
        const int B = m_plan.macro.buffer_vectors, end = u.first + u.count;
        if (end - w.first <= B) return;
        FullRun& f = full_run(u.layer, u.tile, t);
        uint64_t k = 0;
        for (; end - w.first > B; w.first += B, ++k) {  // the time of each, as command() takes it
            w.now = after_wait(w.now, f.in);
            w.done = w.now.takes() + f.run.busy - 1;
            w.now = after_wait({w.done, After}, f.read);
        }
        // What they add up to, as k calls of command() would.
        LayerResult& lr = m_r.layers[size_t(u.layer)];
        lr.events.link_bits += f.link_bits * k;
        m_r.macro_busy_cycles[size_t(m)] += f.run.busy * k;
        m_r.macro_on_cycles[size_t(m)] = w.done + 1 - m_r.macro_sleep_cycles[size_t(m)] - m_wake_start[size_t(m)];
        lr.compute += f.run.compute * k;
        lr.weight_load += f.run.write * k;
        lr.input_load += f.run.load_wait * k;
        lr.stall += f.run.stall * k;
        lr.events += f.run.events * k;
    }

    struct FullRun {
        bool known = false;
        CommandCost run;
        uint64_t in = 0, read = 0, link_bits = 0;  // link edges before and after it; bits both ways
    };
    FullRun& full_run(int layer, int tile, const TileShape& t) {
        auto& per_tile = m_full_runs[size_t(layer)];
        if (per_tile.empty()) per_tile.resize(m_plan.placement.layers[size_t(layer)].tiles.size());
        FullRun& f = per_tile[size_t(tile)];
        if (f.known) return f;
        const MacroParams& mp = m_plan.macro;
        const int B = mp.buffer_vectors;
        f.run = run_cost(mp, t, B);
        f.in = run_input_link_cycles(mp, m_plan.options.system, t, B);
        f.read = run_result_link_cycles(mp, m_plan.options.system, t, B);
        f.link_bits = 8 * uint64_t(B) * uint64_t(input_lanes(mp, t)) * uint64_t(t.rows_used) +
                      8 * 4 * uint64_t(B) * result_values(mp, t.mode);
        f.known = true;
        return f;
    }

    void part_done(size_t i, size_t l, uint64_t edge) {
        uint64_t& d = m_time.macros_done[i][l];
        d = std::max(d, edge);
        if (--m_parts_left[i][l] == 0) ready_task(i, l, d);
    }

    const SystemPlan& m_plan;
    const Network& m_net;
    SimResult& m_r;
    size_t m_images, m_layers;
    Timeline m_time;
    std::vector<std::vector<char>> m_known;
    std::vector<std::vector<int>> m_producers_left, m_parts_left;
    std::vector<std::vector<std::vector<int>>> m_waiting;
    std::vector<Worker> m_workers;
    std::vector<uint64_t> m_wake_start;  // per macro: the edge its first wake-up began (0 ungated)
    std::set<std::tuple<uint64_t, size_t, size_t>> m_ready;  // host tasks: (ready edge, image, layer)
    std::set<Request> m_requests;
    uint64_t m_host_free = 0, m_channel_free = 0;
    std::vector<char> m_done_tasks;
    std::vector<std::vector<FullRun>> m_full_runs;  // per layer and tile, once known
    std::priority_queue<std::pair<uint64_t, int>, std::vector<std::pair<uint64_t, int>>, std::greater<>> m_events;
};

// The plan of the first `size` macros, widened to `macros` (the others idle).
SystemPlan on_first(const Network& net, MacroParams macro, const SystemOptions& options, int size, bool stream,
                    bool replicate) {
    const int macros = macro.macros;
    macro.macros = size;
    SystemOptions o = options;
    if (stream) o.system.residency = "stream";
    o.replicate = replicate;
    SystemPlan p = plan_system(net, macro, o);
    p.macro.macros = macros;
    p.options = options;  // what was asked: the candidate only differs in where the tiles go
    for (auto& per_macro : p.units) per_macro.resize(size_t(macros));
    p.placement_loads.resize(size_t(macros));
    return p;
}

// The edge the run's last image is done, replaying the plan's schedule (no events kept).
uint64_t run_cycles(const SystemPlan& plan, const Network& net) {
    SimResult r;
    describe_layers(plan, net, r);
    Replay replay(plan, net, r);
    replay.run();
    uint64_t end = 0;
    for (const auto& image : replay.timeline().host_end)
        for (uint64_t e : image) end = std::max(end, e);
    return end;
}

// What choose_plan learnt of a candidate: whether its placement is fully resident and how many tile
// copies replication made (so that the next try knows which candidates exist), and its run's cycles or,
// when it was not replayed, its lower bound.
struct Tried {
    bool fully_resident = false;
    int copies = 0;
    bool replayed = false;
    uint64_t cycles = 0;  // the run's cycles when replayed, else its lower bound
};

// A candidate depends on the network, every parameter but the number of macros (it is planned on `size`
// of them; the others idle and, gated, stay off), the images and how it is built. Sweeping the macros
// tries the smaller sizes again at every point: what was learnt is kept in the process. Every declared
// macro, memory and system parameter is in the key.
std::string candidate_key(const Network& net, const MacroParams& m, const SystemOptions& o, int size, bool stream,
                          bool replicate) {
    std::string k = fmt::format("{}|{}|{}|{}|{}|{}|{}", net.build_id, size, stream, replicate, o.images, o.ops_per_cycle,
                                o.wake_cycles);
    for (const auto& d : macro_param_decls())
        if (std::string(d.name) != "macros") std::visit([&](auto member) { k += fmt::format("|{}", m.*member); }, d.member);
    for (const auto& d : memory_param_decls()) std::visit([&](auto member) { k += fmt::format("|{}", o.memory.*member); }, d.member);
    for (const auto& d : system_param_decls()) std::visit([&](auto member) { k += fmt::format("|{}", o.system.*member); }, d.member);
    return k;
}

struct TriedCache {
    std::mutex mutex;
    std::unordered_map<std::string, Tried> known;
};

TriedCache& tried_cache() {
    static TriedCache c;
    return c;
}

}  // namespace

SystemPlan choose_plan(const Network& net, const MacroParams& macro, const SystemOptions& options) {
    const int M = macro.macros;
    if (options.system.placement == "traffic" || M == 1) return plan_system(net, macro, options);
    std::vector<int> sizes = {M};
    for (int k = 1; k < M; k *= 2) sizes.push_back(k);
    const bool is_static = options.system.residency == "static";
    const bool keep = net.build_id != 0;  // a network built once (build_network) can be known again
    SystemPlan best;
    uint64_t best_cycles = 0;
    bool have = false;
    // Tries one candidate: replays it unless its lower bound cannot beat the best so far, and takes it
    // when its run ends first (the first of those on a tie). A candidate known from an earlier call is
    // planned again only when it is taken.
    auto consider = [&](int size, bool stream, bool replicate) {
        const std::string key = keep ? candidate_key(net, macro, options, size, stream, replicate) : std::string();
        std::optional<Tried> known;
        if (keep) {
            TriedCache& c = tried_cache();
            std::lock_guard<std::mutex> lock(c.mutex);
            if (auto it = c.known.find(key); it != c.known.end()) known = it->second;
        }
        auto how = [&](const Tried& t) {
            return replicate ? fmt::format("static placement, {} tile cop{} (replicated)", t.copies, t.copies == 1 ? "y" : "ies")
                   : stream && is_static ? std::string("every layer streamed")
                   : is_static ? std::string("static placement") : std::string("streamed");
        };
        auto take = [&](SystemPlan p, const Tried& t) {
            p.choice = fmt::format("{} on {} of {} macros", how(t), size, M);
            best = std::move(p);
            best_cycles = t.cycles;
            have = true;
        };
        if (known && replicate && known->copies == 0) return *known;  // replication made no copy: no candidate
        if (known && (known->replayed || (have && known->cycles >= best_cycles))) {
            if (known->replayed && (!have || known->cycles < best_cycles))
                take(on_first(net, macro, options, size, stream, replicate), *known);
            return *known;
        }
        SystemPlan p = on_first(net, macro, options, size, stream, replicate);
        Tried t;
        t.fully_resident = p.placement.fully_resident();
        t.copies = p.placement.tile_copies();
        if (!replicate || t.copies > 0) {
            t.cycles = cycles_lower_bound(p, net);
            if (!have || t.cycles < best_cycles) {
                const uint64_t cycles = run_cycles(p, net);
                DDCPIM_ASSERT(cycles >= t.cycles);
                t.cycles = cycles;
                t.replayed = true;
                if (!have || cycles < best_cycles) take(std::move(p), t);
            }
        }
        if (keep) {
            TriedCache& c = tried_cache();
            std::lock_guard<std::mutex> lock(c.mutex);
            if (c.known.size() >= 65536) c.known.clear();  // a bound on a long sweep's memory
            c.known[key] = t;
        }
        return t;
    };
    for (bool stream : is_static ? std::vector<bool>{false, true} : std::vector<bool>{true})
        for (int size : sizes) {
            // With every tile resident, the same placement with the hot tiles copied onto the room left.
            const Tried plain = consider(size, stream, false);
            if (is_static && !stream && plain.fully_resident) consider(size, false, true);
        }
    return best;
}

SimResult run_fast(const Network& net, const MacroParams& macro, const SystemOptions& options) {
    const auto wall0 = std::chrono::steady_clock::now();
    SimResult result;
    result.network = net.desc.name;
    result.engine = "fast";
    const SystemPlan plan = choose_plan(net, macro, options);
    describe_layers(plan, net, result);
    Replay replay(plan, net, result);
    replay.run();
    summarise_timeline(plan, replay.timeline(), result);
    const std::vector<uint64_t> toggles = load_toggles(plan, net);
    for (size_t l = 0; l < toggles.size(); ++l) result.layers[l].events.write_toggles += toggles[l];
    // The data-dependent events: each image's activations (one reference inference each, on every
    // core) through every MAC layer's tiles.
    const ActivityCounter counter(plan, net);
    const int images = options.images;
    const int threads = int(std::max(1u, std::min(std::thread::hardware_concurrency(), unsigned(images))));
    std::vector<std::vector<cost::Events>> per_thread(size_t(threads), std::vector<cost::Events>(net.desc.layers.size()));
    std::atomic<int> next{0};
    auto work = [&](int thread) {
        for (int i = next++; i < images; i = next++) {
            const std::shared_ptr<const ImageActivity> a =
                options.inputs ? image_activity(net, (*options.inputs)[size_t(i)])
                               : seeded_image_activity(net, options.input_seed + uint64_t(i));
            const std::vector<cost::Events> e = counter.count(a);
            for (size_t l = 0; l < e.size(); ++l) per_thread[size_t(thread)][l] += e[l];
        }
    };
    if (options.inputs) DDCPIM_ASSERT(options.inputs->size() >= size_t(images));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (std::thread& t : pool) t.join();
    for (const auto& events : per_thread)
        for (size_t l = 0; l < events.size(); ++l) result.layers[l].events += events[l];
    for (const LayerResult& l : result.layers) {
        result.offchip_bits += l.events.offchip_bits;
        result.link_bits += l.events.link_bits;
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    return result;
}

}  // namespace ddcpim::host
