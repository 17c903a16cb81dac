#include "services/manifest_reachability.h"

#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace pier::services {

std::vector<std::string> unreachable_in_deletion_order(const std::vector<meta::ManifestNode>& graph,
                                                       std::int64_t created_before) {
  std::unordered_map<std::string_view, std::size_t> index;
  std::unordered_map<std::string_view, std::vector<std::size_t>> referrers;  // by subject
  for (std::size_t i = 0; i < graph.size(); ++i) {
    index.emplace(graph[i].digest, i);
    if (!graph[i].subject.empty()) referrers[graph[i].subject].push_back(i);
  }
  // Everything a node leads to: its children, then its referrers.
  const auto successors = [&](std::size_t i, auto&& visit) {
    for (const auto& child : graph[i].children) {
      if (auto it = index.find(child); it != index.end()) visit(it->second);
    }
    if (auto it = referrers.find(graph[i].digest); it != referrers.end()) {
      for (auto r : it->second) visit(r);
    }
  };

  std::vector<bool> reached(graph.size(), false);
  std::deque<std::size_t> queue;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const auto& node = graph[i];
    if (node.tagged || node.left_tag_since || (!node.ever_tagged && node.created_at > created_before)) {
      reached[i] = true;
      queue.push_back(i);
    }
  }
  while (!queue.empty()) {
    const auto i = queue.front();
    queue.pop_front();
    successors(i, [&](std::size_t next) {
      if (!reached[next]) {
        reached[next] = true;
        queue.push_back(next);
      }
    });
  }

  // Kahn's order over the unreached: a node goes once no unreached node leads to it.
  std::vector<std::size_t> waiting_on(graph.size(), 0);
  for (std::size_t i = 0; i < graph.size(); ++i) {
    if (reached[i]) continue;
    successors(i, [&](std::size_t next) {
      if (!reached[next]) ++waiting_on[next];
    });
  }
  std::vector<std::string> order;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    if (!reached[i] && waiting_on[i] == 0) queue.push_back(i);
  }
  std::vector<bool> placed(graph.size(), false);
  while (!queue.empty()) {
    const auto i = queue.front();
    queue.pop_front();
    placed[i] = true;
    order.push_back(graph[i].digest);
    successors(i, [&](std::size_t next) {
      if (!reached[next] && --waiting_on[next] == 0) queue.push_back(next);
    });
  }
  // Digests cannot form a cycle; anything left (a self-reference) goes last.
  for (std::size_t i = 0; i < graph.size(); ++i) {
    if (!reached[i] && !placed[i]) order.push_back(graph[i].digest);
  }
  return order;
}

std::vector<std::string> blobs_only_reached_from(const std::vector<meta::ManifestNode>& graph,
                                                 const std::vector<std::string>& doomed) {
  const std::unordered_set<std::string_view> going(doomed.begin(), doomed.end());
  std::unordered_set<std::string_view> kept;
  for (const auto& node : graph) {
    if (going.count(node.digest)) continue;
    kept.insert(node.blobs.begin(), node.blobs.end());
  }
  std::unordered_set<std::string_view> seen;
  std::vector<std::string> only;
  for (const auto& node : graph) {
    if (!going.count(node.digest)) continue;
    for (const auto& blob : node.blobs) {
      if (!kept.count(blob) && seen.insert(blob).second) only.push_back(blob);
    }
  }
  return only;
}

}  // namespace pier::services
