// --verify's check of every MAC layer's accumulators against the reference engine, on a thread of its own.
// The host hands each finished layer over (its input and the simulated accumulators, copied) and goes on
// simulating; the reference products, a few percent of a long run's time, are computed beside it. The
// reported mismatch is the first in the order the layers were handed over, as a check made in line would
// report it, whatever the thread's timing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim::host {

class Verifier {
public:
    explicit Verifier(const Network& net);
    ~Verifier();  // finishes the checks handed over
    Verifier(const Verifier&) = delete;
    Verifier& operator=(const Verifier&) = delete;

    // Layer `layer` of image `image` simulated to `acc` on `input`.
    void check(size_t image, size_t layer, const Tensor& input, const std::vector<int32_t>& acc);
    // Waits for every check handed over; the first mismatch, described, or "" when every layer matched.
    std::string finish();

private:
    struct Job {
        uint64_t order = 0;
        size_t image = 0, layer = 0;
        Tensor input;
        std::vector<int32_t> acc;
    };
    void run();
    std::string compare(const Job& job) const;

    const Network& m_net;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_jobs;
    uint64_t m_handed = 0;
    bool m_closing = false;
    uint64_t m_first_bad = UINT64_MAX;  // order of the first mismatch found
    std::string m_mismatch;
    std::thread m_thread;  // last: started once the rest is built
};

}  // namespace ddcpim::host
