#include "ddcpim/ref/batch.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "ddcpim/common/error.hpp"
#include "ddcpim/common/npy.hpp"
#include "ddcpim/ref/engine.hpp"

namespace ddcpim::ref {

std::vector<Tensor> run_batch(const Network& net, const std::vector<Tensor>& inputs, unsigned threads) {
    std::vector<Tensor> outputs(inputs.size());
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<size_t>(threads, inputs.size()));
    // Work is handed out one image at a time so that every thread finishes at
    // about the same moment; each image's result goes to its own slot.
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i = next++; i < inputs.size(); i = next++) outputs[i] = run_network(net, inputs[i]).output;
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    return outputs;
}

int64_t top1_class(const Tensor& output) {
    return std::max_element(output.data.begin(), output.data.end()) - output.data.begin();
}

std::vector<int64_t> read_labels(const std::string& path, size_t count, int64_t classes) {
    NpyArray a = read_npy(path);
    if (!a.is_integer() || a.shape.size() != 1)
        throw UserError({path}, fmt::format("expected a 1-D integer array of labels, got dtype {} with {} dims",
                                            a.dtype, a.shape.size()));
    if (static_cast<size_t>(a.shape[0]) != count)
        throw UserError({path}, fmt::format("expected {} labels, one per input image, got {}", count, a.shape[0]));
    std::vector<int64_t> labels(count);
    for (size_t i = 0; i < count; ++i) {
        double v = a.values[i];
        if (v < 0 || v >= static_cast<double>(classes))
            throw UserError({path}, fmt::format("label {} is {}, outside the network's {} classes [0, {})", i, v,
                                                classes, classes));
        labels[i] = static_cast<int64_t>(v);
    }
    return labels;
}

}  // namespace ddcpim::ref
