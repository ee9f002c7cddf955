#include "ddcpim/common/error.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace ddcpim {

std::string format_user_error(const SourceLocation& where, const std::string& detail) {
    std::string out;
    if (!where.file.empty()) {
        out += where.file;
        if (where.line > 0) {
            out += fmt::format(":{}", where.line);
            if (where.column > 0) out += fmt::format(":{}", where.column);
        }
        out += ": ";
    }
    if (!where.layer.empty()) out += fmt::format("layer '{}': ", where.layer);
    if (!where.key.empty()) out += fmt::format("key '{}': ", where.key);
    out += detail;
    return out;
}

UserError::UserError(const SourceLocation& where, const std::string& detail)
    : std::runtime_error(format_user_error(where, detail)), m_where(where), m_detail(detail) {}

void assertion_failed(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "ddcpim internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
    std::abort();
}

}  // namespace ddcpim
