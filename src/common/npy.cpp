#include "ddcpim/common/npy.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "ddcpim/common/error.hpp"

namespace ddcpim {

namespace {

const char kMagic[] = "\x93NUMPY";

std::string shape_text(const std::vector<int64_t>& shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        s += std::to_string(shape[i]);
        if (shape.size() == 1 || i + 1 < shape.size()) s += ",";
        if (i + 1 < shape.size()) s += " ";
    }
    return s + ")";
}

[[noreturn]] void bad(const std::string& path, const std::string& why) {
    throw UserError({path}, fmt::format("not a readable .npy file: {}", why));
}

// Extracts the quoted value after 'key': in the header dict.
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
    auto k = header.find("'" + key + "'");
    if (k == std::string::npos) bad(path, "header has no '" + key + "'");
    auto colon = header.find(':', k);
    if (colon == std::string::npos) bad(path, "malformed header");
    auto start = header.find_first_not_of(' ', colon + 1);
    if (start == std::string::npos) bad(path, "malformed header");
    if (header[start] == '\'') {
        auto end = header.find('\'', start + 1);
        if (end == std::string::npos) bad(path, "malformed header");
        return header.substr(start + 1, end - start - 1);
    }
    if (header[start] == '(') {
        auto end = header.find(')', start);
        if (end == std::string::npos) bad(path, "malformed header");
        return header.substr(start, end - start + 1);
    }
    auto end = header.find_first_of(",}", start);
    return header.substr(start, end - start);
}

template <typename T>
void decode(const std::vector<char>& raw, std::vector<double>& out) {
    size_t n = raw.size() / sizeof(T);
    out.resize(n);
    for (size_t i = 0; i < n; ++i) {
        T v;
        std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
        out[i] = static_cast<double>(v);
    }
}

}  // namespace

bool NpyArray::is_integer() const {
    return dtype.size() >= 2 && (dtype[1] == 'i' || dtype[1] == 'u' || dtype[1] == 'b');
}

int64_t NpyArray::size() const {
    return int64_t(values.size());  // parse_npy checked that the shape's product is this
}

namespace {

void write_npy_raw(const std::string& path, const char* descr, const std::vector<int64_t>& shape,
                   const char* bytes, size_t size) {
    std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr,
                                     shape_text(shape));
    // Pad so that magic(6) + version(2) + len(2) + header + '\n' is a multiple of 64.
    size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::ofstream f(path, std::ios::binary);
    if (!f) throw UserError({path}, "cannot open for writing");
    f.write(kMagic, 6);
    const char version[2] = {1, 0};
    f.write(version, 2);
    uint16_t len = static_cast<uint16_t>(header.size());
    const char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    f.write(len_bytes, 2);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(bytes, static_cast<std::streamsize>(size));
    if (!f) throw UserError({path}, "write failed");
}

}  // namespace

// The host is little-endian (x86-64, aarch64), as are "<i4" and "<f8".
void write_npy_int32(const std::string& path, const std::vector<int64_t>& shape,
                     const std::vector<int32_t>& data) {
    write_npy_raw(path, "<i4", shape, reinterpret_cast<const char*>(data.data()), data.size() * sizeof(int32_t));
}

void write_npy_float64(const std::string& path, const std::vector<int64_t>& shape,
                       const std::vector<double>& data) {
    write_npy_raw(path, "<f8", shape, reinterpret_cast<const char*>(data.data()), data.size() * sizeof(double));
}

NpyArray read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw UserError({path}, "file not found or not readable");
    std::ostringstream bytes;
    bytes << f.rdbuf();
    return parse_npy(bytes.str(), path);
}

NpyArray parse_npy(const std::string& bytes, const std::string& path) {
    // Every size below is checked against the bytes actually there before anything is
    // allocated, so a hostile header cannot ask for memory or overflow a product.
    size_t pos = 0;
    auto take = [&](size_t n, const char* what) {
        if (bytes.size() - pos < n) bad(path, what);
        const char* p = bytes.data() + pos;
        pos += n;
        return reinterpret_cast<const unsigned char*>(p);
    };
    if (std::memcmp(take(6, "missing \\x93NUMPY magic"), kMagic, 6) != 0) bad(path, "missing \\x93NUMPY magic");
    const unsigned char* version = take(2, "truncated header");
    uint32_t header_len = 0;
    if (version[0] == 1) {
        const unsigned char* b = take(2, "truncated header");
        header_len = b[0] | (b[1] << 8);
    } else if (version[0] == 2 || version[0] == 3) {
        const unsigned char* b = take(4, "truncated header");
        header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
    } else {
        bad(path, fmt::format("unsupported format version {}", version[0]));
    }
    const unsigned char* h = take(header_len, "truncated header");
    const std::string header(reinterpret_cast<const char*>(h), header_len);

    NpyArray a;
    a.dtype = dict_value(header, "descr", path);
    if (dict_value(header, "fortran_order", path).find("True") != std::string::npos)
        bad(path, "fortran_order arrays are not supported (save with C order)");
    const std::string shape = dict_value(header, "shape", path);
    if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')') bad(path, "malformed shape in the header");
    // Dimensions: non-negative decimal integers, "(3,)", "(2, 3)", "()".
    constexpr int64_t kMaxDimension = int64_t(1) << 40;
    std::stringstream ss(shape.substr(1, shape.size() - 2));
    std::string item;
    while (std::getline(ss, item, ',')) {
        const size_t first = item.find_first_not_of(" \t"), last = item.find_last_not_of(" \t");
        if (first == std::string::npos) continue;
        const std::string digits = item.substr(first, last - first + 1);
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
            bad(path, fmt::format("malformed shape {} in the header", shape));
        if (digits.size() > 13) bad(path, fmt::format("shape {}: a dimension larger than 2^40", shape));
        const int64_t d = std::stoll(digits);
        if (d > kMaxDimension) bad(path, fmt::format("shape {}: a dimension larger than 2^40", shape));
        a.shape.push_back(d);
    }
    static const std::vector<std::pair<std::string, int>> kSizes = {
        {"|i1", 1}, {"<i1", 1}, {"|u1", 1}, {"<u1", 1}, {"|b1", 1}, {"<i2", 2}, {"<u2", 2},
        {"<i4", 4}, {"<u4", 4}, {"<i8", 8}, {"<f4", 4}, {"<f8", 8}};
    int elem = 0;
    for (auto& [d, s] : kSizes)
        if (d == a.dtype) elem = s;
    if (elem == 0) bad(path, fmt::format("unsupported dtype '{}' (use int8..int64, uint8..uint32, float32/64)", a.dtype));
    // The element count and byte size, without overflow, checked against the body before allocating.
    const uint64_t body = bytes.size() - pos;
    uint64_t n = 1, need = 0;
    bool overflow = false;
    for (int64_t d : a.shape) overflow = overflow || __builtin_mul_overflow(n, uint64_t(d), &n);
    overflow = overflow || __builtin_mul_overflow(n, uint64_t(elem), &need);
    if (overflow) bad(path, fmt::format("shape {} asks for more than 2^64 bytes", shape));
    if (body < need) bad(path, fmt::format("body holds fewer than the {} elements of shape {}", n, shape));
    if (body > need)
        bad(path, fmt::format("{} bytes after the {} elements of shape {} (a truncated header, or a shape that does "
                              "not match the data)",
                              body - need, n, shape));
    const std::vector<char> raw(bytes.begin() + std::ptrdiff_t(pos), bytes.end());
    const std::string& d = a.dtype;
    if (d == "|i1" || d == "<i1") decode<int8_t>(raw, a.values);
    else if (d == "|u1" || d == "<u1" || d == "|b1") decode<uint8_t>(raw, a.values);
    else if (d == "<i2") decode<int16_t>(raw, a.values);
    else if (d == "<u2") decode<uint16_t>(raw, a.values);
    else if (d == "<i4") decode<int32_t>(raw, a.values);
    else if (d == "<u4") decode<uint32_t>(raw, a.values);
    else if (d == "<i8") decode<int64_t>(raw, a.values);
    else if (d == "<f4") decode<float>(raw, a.values);
    else decode<double>(raw, a.values);
    return a;
}

}  // namespace ddcpim
