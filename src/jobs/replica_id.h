// jobs/replica_id.h: the name a process's job runner claims jobs and leads under.
#pragma once

#include <string>

namespace pier::jobs {

// "<hostname>:<pid>:<8 random hex digits>": the host and process say where a job ran; the
// random part keeps a restarted process that got the same pid (in a container, pid 1 every
// time) from being taken for its predecessor, whose jobs and leadership it must not inherit.
std::string make_replica_id();

}  // namespace pier::jobs
