#include "client/table.h"

#include <gtest/gtest.h>

namespace pier::client {
namespace {

namespace json = boost::json;

TEST(Table, ColumnsAreAlignedUnderTheHeaderWithoutTrailingSpaces) {
  const Table table{{"NAME", "ROLE", "MEMBERS"}, {{"owners", "admin", "alice"}, {"devs", "creator", ""}}};
  EXPECT_EQ(format_table(table),
            "NAME     ROLE      MEMBERS\n"
            "owners   admin     alice\n"
            "devs     creator\n");
}

TEST(Table, WidthCountsCharactersNotBytesAndCellsStayOnOneLine) {
  const Table table{{"A", "B"}, {{"\xC3\xA9t\xC3\xA9", "x"}, {"two\nlines", "y\tz"}}};
  EXPECT_EQ(format_table(table),
            "A           B\n"
            "\xC3\xA9t\xC3\xA9         x\n"
            "two lines   y z\n");
}

TEST(Table, OnlyAHeaderWhenThereAreNoRows) {
  EXPECT_EQ(format_table({{"ID", "NAME"}, {}}), "ID   NAME\n");
}

TEST(Table, CellsFromJsonObjects) {
  const auto items = json::parse(R"([
    {"name": "ci", "scopes": ["repo:read", "repo:write"], "id": 7, "superuser": false,
     "expires_at": null, "created_at": 1714564800, "detail": {"change": "x"}},
    {"name": "other"}
  ])").as_array();
  const auto table = table_of(items, {field_column("NAME", "name"), field_column("SCOPES", "scopes"),
                                      field_column("ID", "id"), field_column("SUPERUSER", "superuser"),
                                      time_column("EXPIRES", "expires_at"), time_column("CREATED", "created_at"),
                                      field_column("DETAIL", "detail")});
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.header, (std::vector<std::string>{"NAME", "SCOPES", "ID", "SUPERUSER", "EXPIRES", "CREATED", "DETAIL"}));
  EXPECT_EQ(table.rows[0], (std::vector<std::string>{"ci", "repo:read,repo:write", "7", "false", "-",
                                                     "2024-05-01T12:00:00Z", R"({"change":"x"})"}));
  EXPECT_EQ(table.rows[1], (std::vector<std::string>{"other", "-", "-", "-", "-", "-", "-"}));
}

}  // namespace
}  // namespace pier::client
