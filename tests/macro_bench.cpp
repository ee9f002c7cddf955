#include "macro_bench.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace ddcpim::test {

using namespace ddcpim::macro;

std::string run_in_child(const std::function<std::string()>& body) {
    int fds[2];
    if (pipe(fds) != 0) return "pipe failed";
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
        std::string r;
        try {
            r = body();
        } catch (const std::exception& e) {
            r = std::string("exception: ") + e.what();
        }
        ssize_t ignored = write(fds[1], r.data(), r.size());
        (void)ignored;
        close(fds[1]);
        _exit(r.empty() ? 0 : 1);
    }
    close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) out += "child died with signal " + std::to_string(WTERMSIG(status));
    else if (WEXITSTATUS(status) != 0 && out.empty()) out = "child failed";
    return out;
}

MacroBench::MacroBench(sc_core::sc_module_name name, const MacroParams& params, std::function<void(MacroBench&)> script)
    : sc_module(name),
      clock("clock", sc_core::sc_time(1000.0 / params.clock_mhz, sc_core::SC_NS)),
      macro("macro", params),
      socket("socket"),
      m_script(std::move(script)) {
    macro.clk(clock);
    socket.bind(macro.socket);
    SC_HAS_PROCESS(MacroBench);
    SC_THREAD(run);
}

void MacroBench::run() {
    m_script(*this);
    sc_core::sc_stop();
}

tlm::tlm_response_status MacroBench::transport(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len,
                                               unsigned streaming_width, unsigned char* byte_enable) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(len);
    t.set_streaming_width(streaming_width ? streaming_width : len);
    t.set_byte_enable_ptr(byte_enable);
    t.set_byte_enable_length(byte_enable ? len : 0);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    return t.get_response_status();
}

void MacroBench::write_reg(uint32_t offset, uint32_t value) {
    expect(transport(tlm::TLM_WRITE_COMMAND, offset, &value, 4) == tlm::TLM_OK_RESPONSE,
           "register write failed at " + std::to_string(offset));
}

uint32_t MacroBench::read_reg(uint32_t offset) {
    uint32_t v = 0;
    expect(transport(tlm::TLM_READ_COMMAND, offset, &v, 4) == tlm::TLM_OK_RESPONSE,
           "register read failed at " + std::to_string(offset));
    return v;
}

uint64_t MacroBench::read_counter(uint32_t offset) {
    return read_reg(offset) | (uint64_t(read_reg(offset + 4)) << 32);
}

uint64_t MacroBench::cycle() const {
    return uint64_t(sc_core::sc_time_stamp() / clock.period());
}

uint64_t MacroBench::command_and_wait(uint32_t command) {
    uint64_t start = macro.controller.busy_cycles();
    write_reg(reg::COMMAND, command);
    sc_core::wait(macro.done_event());
    return macro.controller.busy_cycles() - start;
}

void MacroBench::stage_weights(const std::vector<std::vector<int>>& weights) {
    const Geometry& g = macro.geometry();
    for (size_t r = 0; r < weights.size(); ++r) {
        std::vector<uint8_t> row(size_t(g.row_bytes), 0);
        for (int j = 0; j < g.columns; ++j)
            for (int k = 0; k < g.weight_bits; ++k)
                if ((weights[r][size_t(j)] >> k) & 1) row[size_t(j * g.weight_bits + k) / 8] |= uint8_t(1u << ((j * g.weight_bits + k) % 8));
        transport(tlm::TLM_WRITE_COMMAND, region_base(Region::WeightStaging) + r * g.row_bytes, row.data(),
                  unsigned(row.size()));
    }
}

uint64_t MacroBench::load_weights(int first_row, int rows) {
    write_reg(reg::WEIGHT_FIRST_ROW, uint32_t(first_row));
    write_reg(reg::WEIGHT_ROW_COUNT, uint32_t(rows));
    return command_and_wait(kCommandLoadWeights);
}

void MacroBench::set_used_mask(int column, const std::vector<bool>& used) {
    const Geometry& g = macro.geometry();
    std::vector<uint8_t> bytes(size_t(g.mask_bytes), 0);
    for (size_t r = 0; r < used.size(); ++r)
        if (used[r]) bytes[r / 8] |= uint8_t(1u << (r % 8));
    transport(tlm::TLM_WRITE_COMMAND, region_base(Region::ColumnMasks) + uint64_t(column) * g.mask_bytes, bytes.data(),
              unsigned(bytes.size()));
}

void MacroBench::put_input(int slot, int lane, const std::vector<int>& values) {
    const Geometry& g = macro.geometry();
    std::vector<uint8_t> bytes(values.size());
    for (size_t i = 0; i < values.size(); ++i) bytes[i] = uint8_t(values[i] & 0xff);
    transport(tlm::TLM_WRITE_COMMAND, region_base(Region::InputBuffer) + uint64_t(2 * slot + lane) * g.rows,
              bytes.data(), unsigned(bytes.size()));
}

int32_t MacroBench::output(int slot, int side, int column, int segment) {
    const Geometry& g = macro.geometry();
    int32_t v = 0;
    uint64_t off = (uint64_t(slot) * g.slot_values() + uint64_t(g.slot_index(side, column, segment))) * 4;
    expect(transport(tlm::TLM_READ_COMMAND, region_base(Region::OutputBuffer) + off, &v, 4) == tlm::TLM_OK_RESPONSE,
           "output read failed");
    return v;
}

std::string simulate(const MacroParams& params, const std::function<void(MacroBench&)>& script,
                     const std::string& vcd) {
    // Quiet the kernel's "simulation stopped by user" note; warnings still show.
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    MacroBench bench("bench", params, script);
    sc_core::sc_trace_file* tf = nullptr;
    if (!vcd.empty()) {
        tf = macro::open_vcd(vcd);
        bench.macro.trace(tf);
    }
    sc_core::sc_start();
    if (tf) sc_core::sc_close_vcd_trace_file(tf);
    return bench.failures;
}

}  // namespace ddcpim::test

// libsystemc's own main() refers to sc_main; GoogleTest's main is the one
// that runs, and scenarios call sc_start themselves.
int sc_main(int, char**) { return 0; }

namespace ddcpim::test {

namespace {
class Script : public sc_core::sc_module {
public:
    Script(sc_core::sc_module_name name, std::function<void()> body) : sc_module(name), m_body(std::move(body)) {
        SC_HAS_PROCESS(Script);
        SC_THREAD(run);
    }

private:
    void run() {
        m_body();
        sc_core::sc_stop();
    }
    std::function<void()> m_body;
};
}  // namespace

void run_script(const std::function<void()>& script) {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    Script s("script", script);
    sc_core::sc_start();
}

}  // namespace ddcpim::test
