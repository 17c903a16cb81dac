#include "jobs/replica_id.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace pier::jobs {
namespace {

TEST(ReplicaId, NamesTheHostAndProcessAndDiffersEachTime) {
  const auto id = make_replica_id();
  const auto first = id.find(':');
  const auto second = id.find(':', first + 1);
  ASSERT_NE(second, std::string::npos) << id;
  EXPECT_GT(first, 0u);
  EXPECT_EQ(id.substr(first + 1, second - first - 1), std::to_string(::getpid()));
  EXPECT_EQ(id.size() - second - 1, 8u) << id;
  EXPECT_NE(make_replica_id(), id);
}

}  // namespace
}  // namespace pier::jobs
