// Minimal reader and writer of NumPy .npy files (format version 1.0/2.0,
// little-endian integer and float dtypes, C order). Enough for the tensors
// this project exchanges: int8/16/32/64, uint8, float32/64.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ddcpim {

struct NpyArray {
    std::vector<int64_t> shape;
    std::string dtype;            // numpy descr as read, e.g. "<i4", "|i1", "<f4"
    std::vector<double> values;   // every element, converted exactly (integers up to 2^53)
    bool is_integer() const;
    int64_t size() const;
};

// Writes int32 data as "<i4" with the given shape. Throws UserError when the
// file cannot be written.
void write_npy_int32(const std::string& path, const std::vector<int64_t>& shape,
                     const std::vector<int32_t>& data);

// Writes float64 data as "<f8".
void write_npy_float64(const std::string& path, const std::vector<int64_t>& shape,
                       const std::vector<double>& data);

// Reads any supported dtype. Throws UserError naming the file on a missing file,
// a malformed header, an unsupported dtype, a body shorter or longer than the
// shape says; sizes are checked before any allocation.
NpyArray read_npy(const std::string& path);
// The same on a file's bytes (`path` names it in errors).
NpyArray parse_npy(const std::string& bytes, const std::string& path);

}  // namespace ddcpim
