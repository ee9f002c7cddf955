#include "ddcpim/common/error.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace ddcpim {

namespace {
// An error is one line of plain text: control characters and the Unicode line
// and paragraph separators from the input are shown escaped, never sent raw
// to a terminal or a log.
std::string printable(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
            out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
            i += 2;
        } else if (c < 0x20 || c == 0x7F) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}
}  // namespace

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
    return printable(out);
}

UserError::UserError(const SourceLocation& where, const std::string& detail)
    : std::runtime_error(format_user_error(where, detail)), m_where(where), m_detail(detail) {}

void assertion_failed(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "ddcpim internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
    std::abort();
}

}  // namespace ddcpim
