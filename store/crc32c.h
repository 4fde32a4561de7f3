// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 and
// LevelDB: with the CPU's SSE4.2 instruction where it has one, with a table otherwise (the same
// values). Used for the journal's event checksums (journal_format.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::store {

// The CRC of `bytes` continued from `crc`, the CRC of what came before them (0 to start):
// crc32c(crc32c(0, a), b) == crc32c(0, a + b).
std::uint32_t crc32c(std::uint32_t crc, std::string_view bytes);

// The table-driven computation crc32c() falls back to without SSE4.2 (tests compare the two).
std::uint32_t crc32c_portable(std::uint32_t crc, std::string_view bytes);

}  // namespace cairn::store
