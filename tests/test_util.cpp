#include "test_util.hpp"

#include <gtest/gtest.h>

#include "ddcpim/config/strict_node.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <sys/wait.h>

namespace ddcpim::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
    std::random_device rd;
    for (;;) {
        fs::path p = fs::temp_directory_path() / ("ddcpim_test_" + std::to_string(rd()));
        if (fs::create_directory(p)) {
            m_path = p.string();
            return;
        }
    }
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    f << text;
}

std::string source_path(const std::string& relative) { return std::string(DDCPIM_SOURCE_DIR) + "/" + relative; }

ConfigFile parse_config_text(const std::string& yaml, const std::string& name) {
    return parse_config(load_yaml_text(yaml, name), name);  // as the tools read a file: strictly
}

int run_command(const std::string& command, std::string* output) {
    std::string cmd = command + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return -1;
    std::array<char, 4096> buf;
    std::string out;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    int status = pclose(p);
    if (output) *output = out;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double component(const std::vector<std::pair<std::string, double>>& breakdown, const std::string& name) {
    for (const auto& [n, v] : breakdown)
        if (n == name) return v;
    ADD_FAILURE() << "no component " << name;
    return 0;
}

}  // namespace ddcpim::test
