// libFuzzer harness: the .npy reader on arbitrary bytes. Every input must give
// an array or a UserError; anything else (a crash, a sanitizer report, another
// exception, an allocation beyond what the bytes could hold) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ddcpim/common/error.hpp"
#include "ddcpim/common/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        ddcpim::NpyArray a = ddcpim::parse_npy(bytes, "fuzz.npy");
        // What the reader promises: the values are the shape's product, within the bytes given.
        if (a.values.size() > size) __builtin_trap();
    } catch (const ddcpim::UserError&) {
    }
    return 0;
}
