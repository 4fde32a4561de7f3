// The admin web page served at GET /ui/: one self-contained HTML file (no external assets).
#pragma once

#include <string_view>

namespace cairn::api {

std::string_view ui_page();

}  // namespace cairn::api
