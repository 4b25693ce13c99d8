// TestComm: an in-memory Comm for driving the server and worker logic without MPI. Each endpoint has a
// mailbox; a "network" holds all mailboxes of one simulated job.
#pragma once
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "balancer/comm.hpp"

namespace sv::test {

struct Network {
  explicit Network(int size) : inbox(static_cast<std::size_t>(size)) {}
  std::vector<std::deque<std::pair<int, std::string>>> inbox;  // by destination rank: (source, bytes)
};

class TestComm : public balancer::Comm {
 public:
  TestComm(std::shared_ptr<Network> net, int rank) : net_(std::move(net)), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(net_->inbox.size()); }
  void send(int dest, std::string_view bytes) override {
    net_->inbox.at(static_cast<std::size_t>(dest)).emplace_back(rank_, std::string(bytes));
  }
  bool try_receive(int& source, std::string& bytes) override {
    auto& box = net_->inbox.at(static_cast<std::size_t>(rank_));
    if (box.empty()) return false;
    source = box.front().first;
    bytes = std::move(box.front().second);
    box.pop_front();
    return true;
  }

 private:
  std::shared_ptr<Network> net_;
  int rank_;
};

}  // namespace sv::test
