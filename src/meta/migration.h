// meta/migration.h: one numbered schema migration, as CMake embeds them from
// meta/migrations/<engine>/NNNN_name.sql.
#pragma once

namespace pier::meta {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

}  // namespace pier::meta
