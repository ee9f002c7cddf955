#include "ddcpim/macro/register_map.hpp"

namespace ddcpim::macro {

const char* access_name(Access a) { return a == Access::RO ? "RO" : a == Access::RW ? "RW" : "WO"; }

const std::vector<RegisterDecl>& register_decls() {
    using A = Access;
    static const std::vector<RegisterDecl> regs = {
        {"ID", reg::ID, A::RO, kMacroId, "identifies a DDC-PIM macro model"},
        {"ROWS", reg::ROWS, A::RO, 0, "rows R (parameter)"},
        {"COLUMNS", reg::COLUMNS, A::RO, 0, "weight columns N (parameter)"},
        {"WEIGHT_BITS", reg::WEIGHT_BITS, A::RO, 0, "weight precision Bw (parameter)"},
        {"INPUT_BITS", reg::INPUT_BITS, A::RO, 0, "input precision Ba (parameter)"},
        {"SEGMENT_ROWS", reg::SEGMENT_ROWS, A::RO, 0, "depthwise segment size (parameter)"},
        {"FEATURES", reg::FEATURES, A::RO, 0, "bit 0 complementary, bit 1 dual_broadcast (parameters)"},
        {"BUFFER_VECTORS", reg::BUFFER_VECTORS, A::RO, 0, "input and output buffer slots (parameter)"},
        {"COMMAND", reg::COMMAND, A::WO, 0, "1: load weight rows, 2: run MVMs; error response when busy or invalid"},
        {"STATUS", reg::STATUS, A::RO, 0, "bit 0 busy, bit 1 done (last command finished), bit 2 error"},
        {"MODE", reg::MODE, A::RW, 0, "bit 0: 0 pointwise, 1 depthwise; bit 1: partner lane (depthwise, dual broadcast: lane B loaded and driven); bit 2: the tile holds pairs on the Q-bar side (with tree_sharing: two tree passes per input bit; else ignored)"},
        {"INPUT_SIGNED", reg::INPUT_SIGNED, A::RW, 0, "1: inputs are two's complement"},
        {"ACCUMULATE", reg::ACCUMULATE, A::RW, 0, "1: add results to the output slots (partial sums across row tiles)"},
        {"ROWS_USED", reg::ROWS_USED, A::RW, 0, "rows driven; rows at or past it get input 0 (reset: R)"},
        {"VECTOR_COUNT", reg::VECTOR_COUNT, A::RW, 1, "MVMs in a run (back to back)"},
        {"INPUT_SLOT", reg::INPUT_SLOT, A::RW, 0, "first input buffer slot of a run"},
        {"OUTPUT_SLOT", reg::OUTPUT_SLOT, A::RW, 0, "first output buffer slot of a run"},
        {"WEIGHT_FIRST_ROW", reg::WEIGHT_FIRST_ROW, A::RW, 0, "first staged row a load writes"},
        {"WEIGHT_ROW_COUNT", reg::WEIGHT_ROW_COUNT, A::RW, 0, "rows a load writes"},
        {"ROW_BASE", reg::ROW_BASE, A::RW, 0, "first array row a run drives: vector element r drives row ROW_BASE + r"},
        {"CYCLES_BUSY_LO", reg::CYCLES_BUSY, A::RO, 0, "cycles a command was in progress, low word"},
        {"CYCLES_BUSY_HI", reg::CYCLES_BUSY + 4, A::RO, 0, "high word"},
        {"CYCLES_COMPUTE_LO", reg::CYCLES_COMPUTE, A::RO, 0, "cycles the driver drove an input bit, low word"},
        {"CYCLES_COMPUTE_HI", reg::CYCLES_COMPUTE + 4, A::RO, 0, "high word"},
        {"CYCLES_WEIGHT_WRITE_LO", reg::CYCLES_WEIGHT_WRITE, A::RO, 0, "cycles the array's write port wrote rows, low word"},
        {"CYCLES_WEIGHT_WRITE_HI", reg::CYCLES_WEIGHT_WRITE + 4, A::RO, 0, "high word"},
        {"CYCLES_INPUT_BUS_LO", reg::CYCLES_INPUT_BUS, A::RO, 0, "cycles the input bus moved data (overlapped or not), low word"},
        {"CYCLES_INPUT_BUS_HI", reg::CYCLES_INPUT_BUS + 4, A::RO, 0, "high word"},
        {"CYCLES_STALL_LO", reg::CYCLES_STALL, A::RO, 0, "cycles of a run waiting for an input load, low word"},
        {"CYCLES_STALL_HI", reg::CYCLES_STALL + 4, A::RO, 0, "high word"},
        {"MVMS_DONE_LO", reg::MVMS_DONE, A::RO, 0, "MVMs whose results reached the output buffer, low word"},
        {"MVMS_DONE_HI", reg::MVMS_DONE + 4, A::RO, 0, "high word"},
    };
    return regs;
}

const std::vector<RegionDecl>& region_decls() {
    static const std::vector<RegionDecl> regions = {
        {Region::Registers, "registers", "32-bit, aligned", "the register table"},
        {Region::WeightStaging, "weight staging", "bytes, R/W", "row r at r * ceil(N*Bw/8); bit i of a row is column i / Bw, weight bit i % Bw"},
        {Region::ColumnMasks, "column masks", "bytes, R/W", "column c at c * ceil(R/8); bit r = 1 when the column uses row r (depthwise correction)"},
        {Region::InputBuffer, "input buffer", "bytes, R/W", "slot s, lane l (0 A, 1 B), row r at (2s + l) * R + r; low Ba bits of each byte"},
        {Region::OutputBuffer, "output buffer", "bytes, RO", "slot s: int32 values [side][column][segment] at s * 2*N*S*4"},
    };
    return regions;
}

uint64_t region_base(Region r) { return uint64_t(static_cast<uint32_t>(r)) << 32; }

uint64_t region_size(Region r, const Geometry& g) {
    switch (r) {
        case Region::Registers: return 0x100;
        case Region::WeightStaging: return uint64_t(g.rows) * g.row_bytes;
        case Region::ColumnMasks: return uint64_t(g.columns) * g.mask_bytes;
        case Region::InputBuffer: return uint64_t(g.params.buffer_vectors) * 2 * g.rows;
        case Region::OutputBuffer: return uint64_t(g.params.buffer_vectors) * g.slot_values() * 4;
    }
    return 0;
}

}  // namespace ddcpim::macro
