// A small deterministic random generator. std::*_distribution is avoided on
// purpose: its output differs between standard libraries, and synthetic
// weights must be identical on every machine.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace ddcpim {

class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    // A stream named `name` under `seed`: one per layer, so adding a layer
    // leaves the others' weights unchanged.
    Rng(uint64_t seed, const std::string& name) : m_state(seed ^ hash(name)) {}

    uint64_t next() {  // splitmix64
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return (double(next() >> 11) + 0.5) * 0x1.0p-53; }  // open (0, 1)
    double normal() { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
    double laplace(double b) {
        double u = uniform() - 0.5;
        return u < 0 ? b * std::log(1 + 2 * u) : -b * std::log(1 - 2 * u);
    }
    int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }

    static uint64_t hash(const std::string& s) {  // FNV-1a
        uint64_t h = 0xcbf29ce484222325ULL;
        for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
        return h;
    }

private:
    uint64_t m_state;
};

}  // namespace ddcpim
