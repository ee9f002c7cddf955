// libFuzzer harness: the macro's TLM-2.0 target. The input is a sequence of
// transactions (command, address, length, data) and clock steps; every
// transaction must come back with a response status, never a crash, and the
// macro must keep running. One macro serves every input (SystemC elaborates
// once per process), so inputs also meet the state earlier ones left.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "ddcpim/macro/ddc_macro.hpp"

namespace {

struct Initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
    explicit Initiator(sc_core::sc_module_name n) : sc_module(n) {}
};

struct Bench {
    sc_core::sc_clock clk{"clk", sc_core::sc_time(5, sc_core::SC_NS)};
    std::unique_ptr<ddcpim::macro::DdcMacro> macro;
    Initiator host{"host"};
    Bench() {
        ddcpim::MacroParams p;
        p.rows = 128;  // small and quick, every block present
        p.weight_columns = 8;
        p.segment_rows = 32;
        p.buffer_vectors = 4;
        macro = std::make_unique<ddcpim::macro::DdcMacro>("macro", p);
        macro->clk(clk);
        host.socket.bind(macro->socket);
    }
};

Bench* g_bench = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    g_bench = new Bench;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate once
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    size_t pos = 0;
    auto take = [&](size_t n) {
        uint64_t v = 0;
        for (size_t i = 0; i < n && pos < size; ++i) v |= uint64_t(data[pos++]) << (8 * i);
        return v;
    };
    std::vector<unsigned char> buffer;
    while (pos < size) {
        const uint8_t op = uint8_t(take(1));
        if (op % 8 == 7) {  // let the clock run a few cycles: commands execute
            sc_core::sc_start(sc_core::sc_time(5.0 * double(1 + take(1) % 64), sc_core::SC_NS));
            continue;
        }
        tlm::tlm_generic_payload t;
        t.set_command(op % 3 == 0 ? tlm::TLM_READ_COMMAND : op % 3 == 1 ? tlm::TLM_WRITE_COMMAND : tlm::TLM_IGNORE_COMMAND);
        // Addresses near the regions' bases most of the time, anywhere otherwise.
        uint64_t addr = take(8);
        if (op & 0x10) addr = (addr & 0x7ULL << 32) | (addr & 0xfff);
        const size_t len = size_t(take(2)) % 4096;
        buffer.assign(len + 1, 0);
        for (size_t i = 0; i < len && pos < size; ++i) buffer[i] = data[pos++];
        t.set_address(addr);
        t.set_data_ptr(buffer.data());
        t.set_data_length(unsigned(len));
        t.set_streaming_width(op & 0x20 ? unsigned(len / 2) : unsigned(len));
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        g_bench->host.socket->b_transport(t, delay);
        if (t.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) __builtin_trap();  // every transaction answered
    }
    return 0;
}

// libsystemc's own main() wants an sc_main; libFuzzer's main() runs instead.
int sc_main(int, char**) { return 0; }
