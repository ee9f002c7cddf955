#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "ddcpim/common/npy.hpp"
#include "test_util.hpp"

using namespace ddcpim;

TEST(Npy, Int32RoundTrip) {
    test::TempDir d;
    std::vector<int32_t> v = {-2147483647 - 1, -1, 0, 1, 2147483647, 42};
    write_npy_int32(d.file("a.npy"), {2, 3}, v);
    NpyArray a = read_npy(d.file("a.npy"));
    EXPECT_EQ(a.dtype, "<i4");
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
    ASSERT_EQ(a.values.size(), 6u);
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(a.values[i], v[i]);
    EXPECT_TRUE(a.is_integer());
}

TEST(Npy, Float64RoundTripAndOneDimShape) {
    test::TempDir d;
    write_npy_float64(d.file("f.npy"), {3}, {0.5, -1.25, 3e10});
    NpyArray a = read_npy(d.file("f.npy"));
    EXPECT_EQ(a.dtype, "<f8");
    EXPECT_EQ(a.shape, (std::vector<int64_t>{3}));
    EXPECT_EQ(a.values[1], -1.25);
    EXPECT_FALSE(a.is_integer());
}

TEST(Npy, HeaderIsAlignedTo64Bytes) {
    test::TempDir d;
    write_npy_int32(d.file("a.npy"), {5}, {1, 2, 3, 4, 5});
    std::ifstream f(d.file("a.npy"), std::ios::binary | std::ios::ate);
    EXPECT_EQ((static_cast<long>(f.tellg()) - 5 * 4) % 64, 0);
}

TEST(Npy, MissingFileNamesTheFile) {
    try {
        read_npy("/nonexistent/x.npy");
        FAIL();
    } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/x.npy"), std::string::npos);
    }
}

TEST(Npy, RejectsGarbageAndTruncatedFiles) {
    test::TempDir d;
    test::write_text(d.file("bad.npy"), "not numpy at all");
    EXPECT_THROW(read_npy(d.file("bad.npy")), UserError);
    write_npy_int32(d.file("t.npy"), {100}, std::vector<int32_t>(100, 7));
    std::filesystem::resize_file(d.file("t.npy"), 200);
    try {
        read_npy(d.file("t.npy"));
        FAIL();
    } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find("fewer than the 100 elements"), std::string::npos) << e.what();
    }
}

// Issue 15: trailing bytes were accepted; a header shape like (2**62, 2**62) overflowed the size
// computation (UBSan) before the file was rejected; a huge header length asked for gigabytes.
TEST(Npy, HostileHeadersAndBodiesAreRejectedBeforeAnyAllocation) {
    auto header = [](const std::string& dict, uint32_t pad_to = 64) {
        std::string h = dict;
        while ((10 + h.size() + 1) % pad_to) h += ' ';
        h += '\n';
        std::string f = "\x93NUMPY";
        f += char(1);
        f += char(0);
        f += char(h.size() & 0xff);
        f += char(h.size() >> 8);
        return f + h;
    };
    auto error = [](const std::string& bytes) {
        try {
            parse_npy(bytes, "x.npy");
        } catch (const UserError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const std::string body8(8, '\0');
    EXPECT_EQ(error(header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }") + body8), "");
    EXPECT_NE(error(header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }") + body8 + "xyz")
                  .find("3 bytes after the 1 elements"),
              std::string::npos);
    EXPECT_NE(error(header("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, "
                           "4611686018427387904), }") + body8)
                  .find("a dimension larger than 2^40"),
              std::string::npos);
    EXPECT_NE(error(header("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776, "
                           "1099511627776), }") + body8)
                  .find("more than 2^64 bytes"),
              std::string::npos);
    EXPECT_NE(error(header("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }") + body8).find("malformed shape"),
              std::string::npos);
    EXPECT_NE(error(header("{'descr': '<f8', 'fortran_order': False, 'shape': (1e3,), }") + body8).find("malformed shape"),
              std::string::npos);
    // A version-2 header claiming 4 GB of header text in a 20-byte file.
    std::string v2 = "\x93NUMPY";
    v2 += char(2);
    v2 += char(0);
    v2 += std::string("\xff\xff\xff\xff", 4);
    EXPECT_NE(error(v2 + "{'descr'").find("truncated header"), std::string::npos);
}
