#include "http/body_buffers.h"

#include <gtest/gtest.h>

namespace pier::http {
namespace {

TEST(BodyBuffers, ABufferGivenBackIsTheNextOneTaken) {
  BodyBuffers pool(2);
  auto first = pool.take();
  char* const address = first.get();
  first[0] = 'x';
  first[BodyBuffers::kSize - 1] = 'y';  // the whole size is usable
  pool.give_back(std::move(first));
  EXPECT_EQ(pool.kept(), 1u);
  auto again = pool.take();
  EXPECT_EQ(again.get(), address);
  EXPECT_EQ(pool.kept(), 0u);
}

TEST(BodyBuffers, KeepsNoMoreThanItWasToldTo) {
  BodyBuffers pool(2);
  auto a = pool.take();
  auto b = pool.take();
  auto c = pool.take();
  EXPECT_NE(a.get(), b.get());
  EXPECT_NE(b.get(), c.get());
  pool.give_back(std::move(a));
  pool.give_back(std::move(b));
  pool.give_back(std::move(c));
  EXPECT_EQ(pool.kept(), 2u);
}

}  // namespace
}  // namespace pier::http
