// The whole macro through its TLM socket: every output of an MVM equals the
// reference engine's dot products, on both sides (the Q-bar side is the dot
// product with ~W), pointwise and depthwise, signed and unsigned inputs,
// Bw and Ba of 4 and 8, square and non-square arrays, back-to-back MVMs.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/common/rng.hpp"
#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/ops.hpp"
#include "macro_bench.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

namespace {

// Dot products of `x` with each column of `w` (rows x columns), through the
// reference engine: an fc layer whose filters are the columns.
std::vector<int32_t> reference_dots(const std::vector<int>& x, const std::vector<std::vector<int>>& w, bool sign) {
    int rows = int(x.size()), cols = int(w[0].size());
    NetworkDesc net;
    net.input.shape = {rows, 1, 1};
    net.input.is_signed = sign;
    LayerDesc l;
    l.name = "dots";
    l.kind = LayerKind::Fc;
    l.input_names = {"input"};
    l.out_channels = cols;
    net.layers.push_back(l);
    infer_shapes(net);
    std::vector<int32_t> weights;
    for (int j = 0; j < cols; ++j)
        for (int r = 0; r < rows; ++r) weights.push_back(w[size_t(r)][size_t(j)]);
    Tensor in({rows, 1, 1}, sign);
    for (int r = 0; r < rows; ++r) in.data[size_t(r)] = x[size_t(r)];
    return ref::mac_accumulate(net.layers[0], weights, in);
}

std::vector<std::vector<int>> complement_of(const std::vector<std::vector<int>>& w) {
    auto c = w;
    for (auto& row : c)
        for (auto& v : row) v = complement(v);
    return c;
}

int random_in(Rng& rng, IntRange r) { return int(r.lo + rng.below(r.hi - r.lo + 1)); }

MacroParams params(int rows, int cols, int bw, int ba, int seg = 64) {
    MacroParams p;
    p.rows = rows;
    p.weight_columns = cols;
    p.weight_bits = bw;
    p.input_bits = ba;
    p.segment_rows = seg;
    return p;
}

// Pointwise: `vectors` random inputs against random weights, rows_used <= R.
std::string pointwise_case(const MacroParams& p, bool sign, int rows_used, int vectors, uint64_t seed) {
    return test::simulate(p, [&](test::MacroBench& b) {
        Rng rng(seed);
        const Geometry& g = b.macro.geometry();
        IntRange wr = int_range(g.weight_bits, true), xr = int_range(g.input_bits, sign);
        std::vector<std::vector<int>> w(size_t(g.rows), std::vector<int>(size_t(g.columns)));
        for (auto& row : w)
            for (auto& v : row) v = random_in(rng, wr);
        b.stage_weights(w);
        b.load_weights(0, g.rows);
        std::vector<std::vector<int>> xs;
        for (int v = 0; v < vectors; ++v) {
            std::vector<int> x(static_cast<size_t>(rows_used));
            for (auto& e : x) e = random_in(rng, xr);
            b.put_input(v, 0, x);
            xs.push_back(x);
        }
        b.write_reg(reg::MODE, 0);
        b.write_reg(reg::INPUT_SIGNED, sign);
        b.write_reg(reg::ROWS_USED, uint32_t(rows_used));
        b.write_reg(reg::VECTOR_COUNT, uint32_t(vectors));
        b.command_and_wait(kCommandRun);
        std::vector<std::vector<int>> used(w.begin(), w.begin() + rows_used);
        for (int v = 0; v < vectors; ++v) {
            auto qa = reference_dots(xs[size_t(v)], used, sign);
            auto qb = reference_dots(xs[size_t(v)], complement_of(used), sign);
            for (int j = 0; j < g.columns; ++j) {
                b.expect(b.output(v, 0, j, 0) == qa[size_t(j)],
                         fmt::format("vector {} column {} Q side: {} != {}", v, j, b.output(v, 0, j, 0), qa[size_t(j)]));
                if (g.complementary)
                    b.expect(b.output(v, 1, j, 0) == qb[size_t(j)],
                             fmt::format("vector {} column {} Q-bar side: {} != {}", v, j, b.output(v, 1, j, 0), qb[size_t(j)]));
            }
        }
    });
}

// Depthwise: each column uses a random subset of rows (others hold Q = 0),
// lane A and lane B carry their own vectors; per segment, side A is lane A
// with W, side B is lane B with ~W over the column's used rows only.
std::string depthwise_case(const MacroParams& p, bool sign, uint64_t seed) {
    return test::simulate(p, [&](test::MacroBench& b) {
        Rng rng(seed);
        const Geometry& g = b.macro.geometry();
        IntRange wr = int_range(g.weight_bits, true), xr = int_range(g.input_bits, sign);
        std::vector<std::vector<int>> w(size_t(g.rows), std::vector<int>(size_t(g.columns), 0));
        std::vector<std::vector<bool>> used(size_t(g.columns), std::vector<bool>(size_t(g.rows), false));
        for (int j = 0; j < g.columns; ++j) {
            for (int r = 0; r < g.rows; ++r) {
                used[size_t(j)][size_t(r)] = rng.below(3) == 0;  // sparse, like a kernel in a window
                if (used[size_t(j)][size_t(r)]) w[size_t(r)][size_t(j)] = random_in(rng, wr);
            }
            b.set_used_mask(j, used[size_t(j)]);
        }
        b.stage_weights(w);
        b.load_weights(0, g.rows);
        std::vector<int> xa(static_cast<size_t>(g.rows)), xb(static_cast<size_t>(g.rows));
        for (auto& e : xa) e = random_in(rng, xr);
        for (auto& e : xb) e = random_in(rng, xr);
        b.put_input(0, 0, xa);
        b.put_input(0, 1, xb);
        b.write_reg(reg::MODE, 3);  // depthwise, partner lane
        b.write_reg(reg::INPUT_SIGNED, sign);
        b.write_reg(reg::VECTOR_COUNT, 1);
        b.command_and_wait(kCommandRun);
        const int seg = g.params.segment_rows;
        for (int s = 0; s < g.segments; ++s) {
            std::vector<int> sa(xa.begin() + s * seg, xa.begin() + (s + 1) * seg);
            std::vector<int> sb(xb.begin() + s * seg, xb.begin() + (s + 1) * seg);
            std::vector<std::vector<int>> ws(w.begin() + s * seg, w.begin() + (s + 1) * seg);
            auto wc = complement_of(ws);  // ~W on used rows; unused rows contribute nothing
            for (int r = 0; r < seg; ++r)
                for (int j = 0; j < g.columns; ++j)
                    if (!used[size_t(j)][size_t(s * seg + r)]) wc[size_t(r)][size_t(j)] = 0;
            auto qa = reference_dots(sa, ws, sign), qb = reference_dots(sb, wc, sign);
            for (int j = 0; j < g.columns; ++j) {
                b.expect(b.output(0, 0, j, s) == qa[size_t(j)],
                         fmt::format("segment {} column {} side A: {} != {}", s, j, b.output(0, 0, j, s), qa[size_t(j)]));
                b.expect(b.output(0, 1, j, s) == qb[size_t(j)],
                         fmt::format("segment {} column {} side B: {} != {}", s, j, b.output(0, 1, j, s), qb[size_t(j)]));
            }
        }
    });
}

}  // namespace

TEST(DdcMacro, PointwiseBothSidesEqualTheReference) {
    struct Case { int rows, cols, bw, ba; };
    for (Case c : {Case{256, 32, 8, 8}, Case{128, 16, 4, 4}, Case{192, 8, 8, 4}, Case{64, 40, 4, 8}})
        for (bool sign : {true, false}) {
            std::string r = test::run_in_child([&] {
                return pointwise_case(params(c.rows, c.cols, c.bw, c.ba), sign, c.rows, 3, uint64_t(c.rows * 7 + sign));
            });
            EXPECT_EQ(r, "") << c.rows << "x" << c.cols << " Bw " << c.bw << " Ba " << c.ba << " signed " << sign;
        }
}

TEST(DdcMacro, PointwisePartialRowsGetZeroInput) {
    EXPECT_EQ(test::run_in_child([] { return pointwise_case(params(256, 32, 8, 8), true, 75, 2, 99); }), "");
}

TEST(DdcMacro, DepthwiseBothSidesWithCorrectionEqualTheReference) {
    struct Case { int rows, cols, bw, ba, seg; };
    for (Case c : {Case{256, 32, 8, 8, 64}, Case{128, 16, 4, 4, 32}, Case{192, 8, 8, 4, 64}, Case{64, 12, 8, 8, 16}})
        for (bool sign : {true, false}) {
            std::string r = test::run_in_child(
                [&] { return depthwise_case(params(c.rows, c.cols, c.bw, c.ba, c.seg), sign, uint64_t(c.seg * 3 + sign)); });
            EXPECT_EQ(r, "") << c.rows << "x" << c.cols << " seg " << c.seg << " signed " << sign;
        }
}

TEST(DdcMacro, BaselineComputesTheQSideOnly) {
    MacroParams p = params(128, 16, 8, 8).as_baseline();
    EXPECT_EQ(test::run_in_child([&] { return pointwise_case(p, true, 128, 2, 5); }), "");
}

TEST(DdcMacro, DepthwiseQBarSideIsWrongWithoutTheCorrection) {
    // The same depthwise case with every row marked used: the Q-bar side then
    // adds -1 x lane B for every unused row, and misses the reference.
    std::string r = test::run_in_child([] {
        MacroParams p = params(128, 8, 8, 8);
        return test::simulate(p, [&](test::MacroBench& b) {
            Rng rng(4);
            const Geometry& g = b.macro.geometry();
            std::vector<std::vector<int>> w(size_t(g.rows), std::vector<int>(size_t(g.columns), 0));
            for (int r = 0; r < g.rows; r += 3)  // every third row used, the rest hold Q = 0
                for (int j = 0; j < g.columns; ++j) w[size_t(r)][size_t(j)] = random_in(rng, int_range(8, true));
            b.stage_weights(w);
            b.load_weights(0, g.rows);
            std::vector<int> xb(size_t(g.rows));
            for (auto& e : xb) e = 1 + int(rng.below(100));  // positive: every unused row leaks
            b.put_input(0, 1, xb);
            b.write_reg(reg::MODE, 3);  // depthwise, partner lane
            b.command_and_wait(kCommandRun);
            int leak = 0;
            for (int r = 0; r < 64; ++r)
                if (r % 3 != 0) leak += xb[size_t(r)];
            std::vector<int> sb(xb.begin(), xb.begin() + 64);
            std::vector<std::vector<int>> wc(w.begin(), w.begin() + 64);
            for (int r = 0; r < 64; ++r)
                for (int j = 0; j < g.columns; ++j) wc[size_t(r)][size_t(j)] = r % 3 == 0 ? complement(w[size_t(r)][size_t(j)]) : 0;
            auto q = reference_dots(sb, wc, false);
            // Without the masks, side B is the reference minus the leaked inputs.
            b.expect(b.output(0, 1, 0, 0) == q[0] - leak,
                     fmt::format("uncorrected {} vs reference {} minus leak {}", b.output(0, 1, 0, 0), q[0], leak));
            b.expect(b.output(0, 1, 0, 0) != q[0], "uncorrected side B happens to match");
        });
    });
    EXPECT_EQ(r, "");
}
