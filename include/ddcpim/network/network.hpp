// A loaded config: macro parameters, the weight source and the network graph
// (ConfigFile), and the network with its integer parameters (Network).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/config/system_params.hpp"
#include "ddcpim/config/overrides.hpp"
#include "ddcpim/fcc/layer_report.hpp"
#include "ddcpim/fcc/policy.hpp"
#include "ddcpim/network/layer.hpp"

namespace ddcpim {

struct InputDesc {
    Shape shape;
    bool is_signed = true;
    double scale = 2.0 / 127;  // real value of one input step (for calibration only)
};

struct WeightSource {
    std::string source = "synthetic";  // synthetic | npy
    uint64_t seed = 1;                 // synthetic weights and the sample input
    std::string dir;                   // npy: directory of per-layer files (absolute after loading)
};

// What a config may ask the tools to allocate, checked before anything is
// allocated (a `limits:` section overrides them; docs/config.md). A config over
// a bound is a user's error naming the layer, the key and the size, never an
// out-of-memory crash.
struct Limits {
    int64_t tensor_elements = int64_t(1) << 26;   // one activation tensor, padded input included
    int64_t layer_weights = int64_t(1) << 26;     // weights of one MAC layer
    int64_t network_weights = int64_t(1) << 28;   // weights of the whole network
    int64_t simulated_bytes = int64_t(1) << 33;   // memory of the clocked model's macros (estimate)
    int64_t pairing_work = int64_t(1) << 36;      // FCC: weight comparisons to pair one layer (estimate)
    int64_t pairing_bytes = int64_t(1) << 31;     // FCC: cost matrices held to pair one layer (estimate)
};
struct LimitDecl {
    const char* name;
    const char* description;
    int64_t Limits::*member;
};
const std::vector<LimitDecl>& limit_decls();

struct NetworkDesc {
    std::string name;
    Limits limits;
    InputDesc input;
    int activation_bits = 8;
    int weight_bits = 8;
    std::vector<LayerDesc> layers;

    int find_layer(const std::string& name) const;  // -1 if absent
    int64_t total_macs() const;
};

// The config's top-level `fcc:` section: defaults for every MAC layer.
struct FccDefaults {
    PairSpec::Mode mode = PairSpec::Mode::None;  // pairs: none | auto
    FccOptions options;
    // MAC layers left unpaired whatever `pairs` says (a layer's own fcc.pairs still wins), with where each
    // name was written, for the error when it names no MAC layer.
    std::vector<std::string> skip;
    std::vector<SourceLocation> skip_where;
    // Which MAC layers `pairs: auto` pairs (docs/fcc.md, pairing policies): all, rectified (outputs that go
    // through relu, relu6 or swish only), kinds (the roles in `kinds`), list (all but `skip`).
    fcc::Policy policy = fcc::Policy::All;
    std::vector<fcc::Role> kinds;
};

// The measured accuracy a trained network carries (its `accuracy:` section, written by scripts/ddcpim_train
// ship): what every speedup is printed beside (docs/fcc.md, accuracy with every speedup).
struct AccuracyRecord {
    bool measured = false;
    double top1 = 0;             // top-1 of this network as stored (its listed pairs), fraction
    std::string dataset;         // e.g. "Fashion-MNIST test"
    int64_t images = 0;          // images measured
    std::string engine;          // ddcpim_ref
    double int8_top1 = -1;       // the same network trained unpaired (its int8 twin), fraction; < 0: unknown
    std::string int8_network;    // the twin's name
};

// The host that drives the macros (docs/host.md).
struct HostParams {
    int ops_per_cycle = 16;  // element-wise operations (requantise, add, pool, ...) per host cycle
};

struct ConfigFile {
    std::string path;
    MacroParams macro;
    MemoryParams memory;
    SystemParams system;
    HostParams host;
    std::string technology;  // technology file for area and energy (absolute after loading)
    WeightSource weights;
    FccDefaults fcc;
    AccuracyRecord accuracy;
    NetworkDesc network;
    std::vector<fcc::PolicyDecision> fcc_policy;  // per MAC layer, decided after shape inference
};

struct Network {
    NetworkDesc desc;
    std::vector<LayerParams> params;  // one per layer
    std::string origin;               // where the parameters came from, for reports
    std::vector<fcc::LayerReport> fcc_reports;  // of layers paired at load time (`auto`)
    // Unique per build_network call (0: built by hand): keys caches of data derived from the
    // parameters, such as the fast engine's activations (host/activity.hpp). Not to be mutated after.
    uint64_t build_id = 0;
};

// "top-1 87.9% vs 91.3% int8 (Fashion-MNIST test, 10000 images, ddcpim_ref)", or why there is no figure:
// no record, or the run pairs layers at load that the measured network did not have.
std::string accuracy_text(const ConfigFile& config);
// The same for a run's JSON: {"measured", "text"} and, with a record, top1, int8_top1, dataset, images,
// engine. "measured" is true only when the record holds for the run.
nlohmann::ordered_json accuracy_json(const ConfigFile& config);

// Reads and checks a config (structure, keys, types, shapes). Throws UserError.
ConfigFile load_config(const std::string& path, const std::vector<Override>& overrides = {});
ConfigFile parse_config(const YAML::Node& root, const std::string& path);
// A config tree without its network section (`root` must have none), completed with the network, the
// limits aside, and the pairing decisions of `network_from`: what parse_config would give for the tree with
// network_from's network section, provided no override reached the network or its fcc section. nullopt when
// the macro's precisions (the network's default precisions) differ from network_from's.
std::optional<ConfigFile> parse_config_sections(const YAML::Node& root, const std::string& path,
                                                const ConfigFile& network_from);

// Produces the integer parameters (synthetic or from npy files) and validates
// them: ranges, complementary pairs. Throws UserError.
Network build_network(const ConfigFile& config);

// Where a `technology:` key (a child of `top`, which may lack it) names a file: beside the config,
// $DDCPIM_TECH_DIR, the installed data, the repository's configs/. "" for `none`; a named file found
// nowhere is a UserError.
std::string resolve_technology(const StrictNode& top, const std::string& config_path);

// The fully resolved config (every default written out), for results files.
YAML::Node resolved_config_yaml(const ConfigFile& config);

// Fills input_ids, shapes and signedness of every layer; throws UserError on
// unknown inputs, channel mismatches and kernels larger than the padded input.
void infer_shapes(NetworkDesc& net);

}  // namespace ddcpim
