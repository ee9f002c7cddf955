// The macro's memory map, declared as data: the register table and the
// buffer regions. docs/memory-map.md lists the same; a test compares them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ddcpim/macro/geometry.hpp"

namespace ddcpim::macro {

enum class Access { RO, RW, WO };
const char* access_name(Access a);

struct RegisterDecl {
    const char* name;
    uint32_t offset;
    Access access;
    uint32_t reset;  // for geometry registers: filled from the parameters
    const char* description;
};

// Register offsets, for code that names them.
namespace reg {
constexpr uint32_t ID = 0x00, ROWS = 0x04, COLUMNS = 0x08, WEIGHT_BITS = 0x0C, INPUT_BITS = 0x10,
                   SEGMENT_ROWS = 0x14, FEATURES = 0x18, BUFFER_VECTORS = 0x1C, COMMAND = 0x20, STATUS = 0x24,
                   MODE = 0x28, INPUT_SIGNED = 0x2C, ACCUMULATE = 0x30, ROWS_USED = 0x34, VECTOR_COUNT = 0x38,
                   INPUT_SLOT = 0x3C, OUTPUT_SLOT = 0x40, WEIGHT_FIRST_ROW = 0x44, WEIGHT_ROW_COUNT = 0x48, ROW_BASE = 0x4C,
                   CYCLES_BUSY = 0x50, CYCLES_COMPUTE = 0x58, CYCLES_WEIGHT_WRITE = 0x60,
                   CYCLES_INPUT_BUS = 0x68, CYCLES_STALL = 0x70, MVMS_DONE = 0x78;
}
constexpr uint32_t kMacroId = 0xDDC0'0001;
constexpr uint32_t kCommandLoadWeights = 1, kCommandRun = 2;
constexpr uint32_t kStatusBusy = 1, kStatusDone = 2, kStatusError = 4;

const std::vector<RegisterDecl>& register_decls();

// Regions: address bits 63..32 select one; bits 31..0 are the byte offset.
enum class Region : uint32_t { Registers = 0, WeightStaging = 1, ColumnMasks = 2, InputBuffer = 3, OutputBuffer = 4 };
struct RegionDecl {
    Region region;
    const char* name;
    const char* access;
    const char* layout;
};
const std::vector<RegionDecl>& region_decls();
uint64_t region_base(Region r);
uint64_t region_size(Region r, const Geometry& g);

}  // namespace ddcpim::macro
