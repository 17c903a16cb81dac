#include "jobs/probe_job.h"

#include <gtest/gtest.h>

namespace pier::jobs {
namespace {

class FakeContext final : public JobContext {
 public:
  bool heartbeat() override {
    ++heartbeats;
    return held;
  }
  bool sleep_for(std::chrono::milliseconds duration) override {
    slept += duration;
    return !stopped;
  }
  bool stopping() const override { return stopped; }

  int heartbeats = 0;
  std::chrono::milliseconds slept{0};
  bool held = true;
  bool stopped = false;
};

meta::Job probe(const std::string& args) {
  meta::Job job;
  job.kind = std::string(kProbeKind);
  job.args = args;
  return job;
}

TEST(ProbeJob, ArgsAreAHoldOfZeroToSixHundredSeconds) {
  EXPECT_EQ(probe_args("{}").value(), "{\"hold_seconds\":0}");
  EXPECT_EQ(probe_args("{\"hold_seconds\":30}").value(), "{\"hold_seconds\":30}");
  EXPECT_EQ(probe_args("{\"hold_seconds\":600}").value(), "{\"hold_seconds\":600}");
  for (const char* bad : {"{\"hold_seconds\":601}", "{\"hold_seconds\":-1}", "{\"hold_seconds\":\"5\"}",
                          "{\"hold_seconds\":1.5}", "{\"other\":1}", "[]", "nonsense"}) {
    auto args = probe_args(bad);
    ASSERT_FALSE(args) << bad;
    EXPECT_EQ(args.error().code, ErrorCode::kBadRequest) << bad;
    EXPECT_TRUE(args.error().message.starts_with("args")) << args.error().message;
  }
}

TEST(ProbeJob, HoldsHeartbeatingEachSecondThenCompletes) {
  FakeContext context;
  EXPECT_TRUE(probe_handler()(probe("{\"hold_seconds\":3}"), context));
  EXPECT_EQ(context.heartbeats, 3);
  EXPECT_EQ(context.slept, std::chrono::seconds(3));
  FakeContext quick;
  EXPECT_TRUE(probe_handler()(probe("{\"hold_seconds\":0}"), quick));
  EXPECT_EQ(quick.heartbeats, 0);
}

TEST(ProbeJob, StopsWhenTheRunnerStopsOrTheJobIsRescued) {
  FakeContext stopping;
  stopping.stopped = true;
  EXPECT_FALSE(probe_handler()(probe("{\"hold_seconds\":30}"), stopping));
  EXPECT_EQ(stopping.slept, std::chrono::seconds(1));
  FakeContext rescued;
  rescued.held = false;
  EXPECT_FALSE(probe_handler()(probe("{\"hold_seconds\":30}"), rescued));
  EXPECT_EQ(rescued.heartbeats, 1);
}

}  // namespace
}  // namespace pier::jobs
