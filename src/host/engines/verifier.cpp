#include "ddcpim/host/verifier.hpp"

#include <fmt/format.h>

#include "ddcpim/ref/ops.hpp"

namespace ddcpim::host {

namespace {
// Checks waiting at most: the host waits beyond this, so that a slow thread cannot let copies of
// activations pile up (a check takes a few percent of the simulation's time, so it seldom waits).
constexpr size_t kMaxWaiting = 32;
}  // namespace

Verifier::Verifier(const Network& net) : m_net(net), m_thread([this] { run(); }) {}

Verifier::~Verifier() { finish(); }

void Verifier::check(size_t image, size_t layer, const Tensor& input, const std::vector<int32_t>& acc) {
    std::unique_lock<std::mutex> lock(m_mutex);
    if (m_first_bad != UINT64_MAX) return;  // a mismatch is already found: later layers cannot come first
    m_wake.wait(lock, [&] { return m_jobs.size() < kMaxWaiting; });
    m_jobs.push_back(Job{m_handed++, image, layer, input, acc});
    m_wake.notify_all();
}

std::string Verifier::finish() {
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_closing = true;
        m_wake.notify_all();
    }
    if (m_thread.joinable()) m_thread.join();
    return m_mismatch;
}

void Verifier::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return !m_jobs.empty() || m_closing; });
            if (m_jobs.empty()) return;
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
            m_wake.notify_all();  // room for the host
        }
        std::string bad = compare(job);
        if (bad.empty()) continue;
        std::unique_lock<std::mutex> lock(m_mutex);
        if (job.order < m_first_bad) {  // jobs are taken in order: the first found is the first handed over
            m_first_bad = job.order;
            m_mismatch = std::move(bad);
        }
        m_jobs.clear();
        m_wake.notify_all();
    }
}

std::string Verifier::compare(const Job& job) const {
    const LayerDesc& l = m_net.desc.layers[job.layer];
    const std::vector<int32_t> expect = ref::mac_accumulate(l, m_net.params[job.layer].weight, job.input);
    for (size_t k = 0; k < expect.size(); ++k)
        if (expect[k] != job.acc[k]) {
            const Shape& o = l.out_shape;
            const int c = int(k / (size_t(o.h) * o.w)), y = int(k / o.w % o.h), x = int(k % o.w);
            return fmt::format("image {}, layer '{}' ({}), accumulator [{}, {}, {}]: simulated {}, reference {}",
                               job.image, l.name, job.layer, c, y, x, job.acc[k], expect[k]);
        }
    return "";
}

}  // namespace ddcpim::host
